// Command-line options of `npm run bench`, their defaults and the --quick preset.
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SCENARIO_IDS, type ScenarioId } from './scenarios.js';

export interface BenchOptions {
  /** Worker counts, one pass each, ascending: 1 (per core) first. */
  workers: number[];
  rounds: number;
  /** Each round starts every contender afresh (and stops it at the round's end). */
  restart: boolean;
  /** Extra tries for a measurement that other processes on the machine disturbed. */
  retries: number;
  /** After the per-core pass, start each contender by its by-hand command and compare. */
  crossCheck: boolean;
  /** Rounds of the cross-check, one back-to-back pair per cell each (default: rounds). */
  crossCheckRounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number[];
  scenarios: ScenarioId[];
  contenders: string;
  serverCpus?: string;
  generatorCpus?: string;
  generator: 'autocannon' | 'wrk';
  generatorThreads: number;
  pipelining: number;
  timeoutSec: number;
  fetchApp: 'hono' | 'plain';
  supervisor: boolean;
  circusApp: 'js' | 'ts';
  /** uWebSockets.js build the circus-worker contenders load (the worker's --uws-module). */
  uwsModule?: string;
  quick: boolean;
  out: string;
  name?: string;
  list: boolean;
}

const QUICK = { rounds: 2, duration: 1, warmup: 1, connections: '50', scenarios: 'hello', retries: 0 };

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected seconds (a number >= 0)');
  return n;
}

/** autocannon and wrk both run for whole seconds (autocannon rounds 0.5 s up to 1 s). */
function wholeSeconds(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected whole seconds >= ${min} (the generators count in whole seconds)`);
    return n;
  };
}

function cpuList(v: string): string {
  if (!/^\d+([-,]\d+)*$/.test(v)) throw new InvalidArgumentError('expected a taskset CPU list such as 0 or 1-3 or 1,3');
  return v;
}

function intList(v: string): number[] {
  const list = v.split(',').map((x) => positiveInt(x.trim()));
  return list;
}

function workerList(v: string): number[] {
  return [...new Set(intList(v))].sort((a, b) => a - b);
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function scenarioList(v: string): ScenarioId[] {
  const ids = v.split(',').map((s) => s.trim());
  const bad = ids.filter((id) => !SCENARIO_IDS.includes(id as ScenarioId));
  if (bad.length) throw new InvalidArgumentError(`unknown scenario ${bad.join(', ')} (known: ${SCENARIO_IDS.join(', ')})`);
  return ids as ScenarioId[];
}

/** Generator on CPU 0, servers on the rest; no pinning on a single-CPU machine. */
function defaultCpus(): { generator?: string; server?: string } {
  const n = os.availableParallelism();
  if (n < 2) return {};
  return { generator: '0', server: n === 2 ? '1' : `1-${n - 1}` };
}

export function buildProgram(): Command {
  const cpus = defaultCpus();
  return new Command('bench')
    .description('Throughput of circus-worker against standard prefork servers, alternating contenders round by round.')
    .option('--quick', `smoke-sized run: ${JSON.stringify(QUICK)} unless given explicitly`, false)
    .option('--workers <list>', 'worker processes per contender, one pass per count, e.g. 1,2 (1 = per core)', workerList, [1])
    .option('--rounds <n>', 'rounds; each round runs every contender once per scenario', positiveInt, 3)
    .option('--duration <s>', 'measured seconds per contender, scenario and round', wholeSeconds(1), 3)
    .option('--warmup <s>', 'warm-up seconds before each measurement, discarded (round 1: one more)', wholeSeconds(0), 1)
    .option('--connections <list>', 'concurrent connections, comma-separated', intList, [50])
    .option('--no-restart', 'keep every contender running for the whole pass (default: each round starts every contender afresh, so the median spans processes, not one process\'s luck)')
    .option('--retries <n>', 'measure again (up to n times) when other processes used, or the hypervisor stole, a quarter of a CPU or more meanwhile', count, 2)
    .option('--cross-check', 'after the per-core pass, start every contender by its printed by-hand command, run the printed wrk command and report the agreement', false)
    .option('--cross-check-rounds <n>', 'rounds of the cross-check, one back-to-back pair per cell each (default: --rounds; more pairs judge a cell more sharply on an unsteady machine)', positiveInt)
    .option('--scenarios <list>', `scenarios: ${SCENARIO_IDS.join(',')}`, scenarioList, [...SCENARIO_IDS])
    .option('--contenders <list>', 'contender ids, comma-separated, or "all" (see --list); the baseline always runs', 'all')
    .option('--server-cpus <list>', 'taskset CPU list for the servers', cpuList, cpus.server)
    .option('--generator-cpus <list>', 'taskset CPU list for the load generator', cpuList, cpus.generator)
    .option('--no-pin', 'do not pin anything with taskset')
    .addOption(new Option('--generator <name>', 'load generator').choices(['autocannon', 'wrk']).default('autocannon'))
    .option('--generator-threads <n>', 'autocannon worker threads / wrk threads (default: one per generator CPU)', positiveInt)
    .option('--pipelining <n>', 'pipelined requests per connection (autocannon only)', positiveInt, 1)
    .option('--timeout <s>', 'per-request timeout of the generator', seconds, 10)
    .addOption(new Option('--fetch-app <name>', 'app for the fetch contenders').choices(['hono', 'plain']).default('hono'))
    .addOption(new Option('--circus-app <format>', 'circus-worker serves the compiled .js apps (as every Node contender does) or their .ts sources through tsx').choices(['js', 'ts']).default('js'))
    .option('--uws-module <dir>', 'uWebSockets.js build for the circus-worker contenders (passed on as CIRCUS_UWS_MODULE), e.g. the 20.57 build bench/fetch-runtimes.sh fetches', process.env.CIRCUS_UWS_MODULE || undefined)
    .option('--no-supervisor', 'spawn circus-worker processes directly on a bench-held fd instead of under circus-supervisor')
    .option('--out <dir>', 'where results are written', 'bench/results')
    .option('--name <base>', 'base name of the "latest" files (default: latest, latest-wrk, latest-quick…)')
    .option('--list', 'list contenders and whether they can run here, then exit', false);
}

function cpuCount(list: string | undefined): number {
  if (!list) return os.availableParallelism();
  return list.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}

export function resolveOptions(program: Command): BenchOptions {
  const o = program.opts();
  const explicit = (name: string) => program.getOptionValueSource(name) === 'cli';
  const quick = Boolean(o.quick);
  const pick = <T>(name: string, quickValue: T, parse: (v: T) => unknown = (v) => v) =>
    quick && !explicit(name) ? parse(quickValue) : o[name];
  const pin = o.pin !== false;
  const generatorCpus = pin ? (o.generatorCpus as string | undefined) : undefined;
  const rounds = pick('rounds', QUICK.rounds) as number;
  return {
    workers: o.workers,
    rounds,
    retries: pick('retries', QUICK.retries) as number,
    crossCheck: Boolean(o.crossCheck),
    crossCheckRounds: (o.crossCheckRounds as number | undefined) ?? rounds,
    restart: o.restart !== false,
    durationSec: pick('duration', QUICK.duration) as number,
    warmupSec: pick('warmup', QUICK.warmup) as number,
    connections: pick('connections', QUICK.connections, (v) => intList(v)) as number[],
    scenarios: pick('scenarios', QUICK.scenarios, (v) => scenarioList(v)) as ScenarioId[],
    contenders: o.contenders,
    serverCpus: pin ? o.serverCpus : undefined,
    generatorCpus,
    generator: o.generator,
    generatorThreads: o.generatorThreads ?? Math.max(1, cpuCount(generatorCpus)),
    pipelining: o.pipelining,
    timeoutSec: o.timeout,
    fetchApp: o.fetchApp,
    supervisor: o.supervisor !== false,
    circusApp: o.circusApp,
    uwsModule: o.uwsModule ? path.resolve(o.uwsModule) : undefined,
    quick,
    out: o.out,
    name: o.name,
    list: o.list,
  };
}
