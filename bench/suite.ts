// The run itself: start every contender, check its responses, then round after round measure
// every (scenario, connections) cell for every contender in turn, and stop everything at the end.
import path from 'node:path';
import { AutocannonGenerator } from './load/autocannon.js';
import type { LoadGenerator, LoadJob, LoadResult } from './load/types.js';
import { WrkGenerator } from './load/wrk.js';
import { closeProbe, request, waitFor200 } from './http-probe.js';
import { cpuSeconds, machineCpuSeconds, processTree, rssBytes } from './procfs.js';
import type { BenchContext, Contender, Running } from './contenders/types.js';
import { UnavailableError } from './contenders/types.js';
import type { BenchOptions } from './options.js';
import { NOISY_OTHER_CORES, noiseCores, type ContenderRecord, type Measurement } from './records.js';
import { responseMismatch, scenarioById, type Scenario } from './scenarios.js';

const MB = 1024 * 1024;
const START_TIMEOUT_MS = 60_000;

interface Live {
  contender: Contender;
  record: ContenderRecord;
  running?: Running;
}

export interface SuiteResult {
  contenders: ContenderRecord[];
  measurements: Measurement[];
  interrupted: boolean;
}

type Log = (line: string) => void;

export function makeGenerator(opts: BenchOptions): LoadGenerator {
  return opts.generator === 'wrk' ? new WrkGenerator(opts.generatorCpus) : new AutocannonGenerator(opts.generatorCpus);
}

async function waitForWorkers(running: Running, workers: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const count = () => running.readyCount() ?? running.pids().workers.length;
  while (count() < workers) {
    if (!running.alive()) throw new Error('a server process exited during start-up');
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${workers} workers ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** RSS in MB: every server process summed, and per worker (each worker's own process tree). */
function memory(running: Running): { total: number; perWorker: number; workers: number } {
  const { all, workers } = running.pids();
  const sum = (pids: number[]) => pids.reduce((s, p) => s + rssBytes(p), 0) / MB;
  const perWorker = workers.length ? workers.reduce((s, w) => s + sum(processTree(w)), 0) / workers.length : 0;
  return { total: sum(all), perWorker, workers: workers.length };
}

async function checkResponses(live: Live, scenarios: Scenario[]): Promise<void> {
  for (const s of scenarios) {
    const skip = live.contender.skips?.(s);
    if (skip) {
      live.record.excluded[s.id] = skip;
      continue;
    }
    try {
      const r = await request(live.running!.url + s.path, s.method, s.body, 5000);
      const wrong = responseMismatch(s, r.status, r.contentType, r.body);
      if (wrong) live.record.excluded[s.id] = `wrong response: ${wrong}`;
    } catch (err) {
      live.record.excluded[s.id] = `no response: ${(err as Error).message}`;
    }
  }
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/**
 * Starts `contender` and waits for its first 200 and for every worker; `started` gets the instance
 * as soon as it exists, so that a failure can still read its output and stop it. Returns the ms
 * from spawn to the first 200.
 */
export async function startServing(contender: Contender, ctx: BenchContext, started: (running: Running) => void): Promise<number> {
  const t0 = Date.now();
  const running = await contender.start(ctx);
  started(running);
  const ms = await waitFor200(running.url + '/hello', t0, START_TIMEOUT_MS, running.alive);
  await waitForWorkers(running, ctx.workers, START_TIMEOUT_MS);
  return ms;
}

/** Records why `live` takes no further part (with the end of its output) and stops what runs of it. */
async function giveUp(live: Live, status: ContenderRecord['status'], reason: string, log: Log): Promise<void> {
  const output = live.running ? lastLines(live.running.output()) : '';
  live.record.status = status;
  live.record.reason = reason + (output ? ` — output: ${output}` : '');
  log(`  ${live.contender.id}: ${status}, ${live.record.reason}`);
  await live.running?.stop();
  live.running = undefined;
}

async function startOne(live: Live, ctx: BenchContext, scenarios: Scenario[], log: Log): Promise<void> {
  const { contender, record } = live;
  const why = contender.unavailable(ctx);
  if (why) {
    record.status = 'unavailable';
    record.reason = why;
    log(`  ${contender.id}: skipped, ${why}`);
    return;
  }
  try {
    await contender.prepare?.(ctx);
    record.startupMs = await startServing(contender, ctx, (r) => (live.running = r));
    const running = live.running!;
    // Idle RSS as "after start-up and one request" (the first 200 on /hello), before the response
    // checks touch every route (a 64 KiB body and a 4 KiB upload grow the heap by a few MB).
    const mem = memory(running);
    await checkResponses(live, scenarios);
    const closeIssue = await closeProbe(running.url + '/hello');
    if (closeIssue) record.protocolNotes = [closeIssue];
    Object.assign(record, { status: 'ran', note: running.note, workerCount: mem.workers, idleRssTotalMB: mem.total, idleRssPerWorkerMB: mem.perWorker });
    log(`  ${contender.id}: first 200 after ${record.startupMs} ms, ${mem.workers} workers, idle RSS ${mem.perWorker.toFixed(1)} MB/worker${record.note ? ` (${record.note})` : ''}`);
    for (const [s, reason] of Object.entries(record.excluded)) log(`    not in ${s}: ${reason}`);
    for (const note of record.protocolNotes ?? []) log(`    note: ${note}`);
  } catch (err) {
    await giveUp(live, err instanceof UnavailableError ? 'unavailable' : 'failed', (err as Error).message, log);
  }
}

/**
 * A fresh instance for each round, round 1 included. Two instances of the same server can differ
 * by 10-20% for the whole of their life on this machine (and one instance drifts as much over a
 * minute), so the median of rounds is taken over processes. And the instances of the start-up
 * checks measured slow: on Node 20 and 22 the node:http servers after the baseline ran a first round
 * on them at 0.35-0.70x of their later rounds (cause unknown). Start-up time and idle RSS stay those
 * of the start-up checks.
 */
async function restartOne(live: Live, ctx: BenchContext, log: Log): Promise<void> {
  if (!live.running) return;
  await live.running.stop();
  live.running = undefined;
  try {
    await startServing(live.contender, ctx, (r) => (live.running = r));
    live.record.restarts = (live.record.restarts ?? 0) + 1;
  } catch (err) {
    await giveUp(live, 'failed', `restart for a new round failed: ${(err as Error).message}`, log);
  }
}

/** What the generator runs for one cell; `root` makes the wrk script path absolute (by hand: relative). */
export function job(opts: BenchOptions, url: string, s: Scenario, connections: number, durationSec: number, root?: string): LoadJob {
  return {
    url: url + s.path,
    method: s.method,
    body: s.body?.toString('latin1'),
    wrkScript: s.wrkScript && (root ? path.join(root, s.wrkScript) : s.wrkScript),
    connections,
    durationSec,
    pipelining: opts.pipelining,
    newConnection: s.newConnection,
    timeoutSec: opts.timeoutSec,
    threads: opts.generatorThreads,
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function runSuite(
  opts: BenchOptions,
  ctx: BenchContext,
  contenders: Contender[],
  signal: AbortSignal,
  log: Log,
  /** Runs after the rounds, while every contender still runs (the cross-check). */
  afterRounds?: (live: Array<{ contender: Contender; excluded: ContenderRecord['excluded'] }>, generator: LoadGenerator) => Promise<void>,
): Promise<SuiteResult> {
  const scenarios = opts.scenarios.map(scenarioById);
  const lives: Live[] = contenders.map((c) => ({ contender: c, record: { id: c.id, label: c.label, status: 'failed', excluded: {} } }));
  const measurements: Measurement[] = [];
  const generator = makeGenerator(opts);
  try {
    log('Starting contenders (one at a time, each pinned to the server CPUs):');
    for (const live of lives) {
      if (signal.aborted) break;
      await startOne(live, ctx, scenarios, log);
    }
    for (let round = 1; round <= opts.rounds && !signal.aborted; round++) {
      if (opts.restart) {
        log(`Round ${round}/${opts.rounds}: every contender started afresh`);
        for (const live of lives) if (!signal.aborted) await restartOne(live, ctx, log);
      } else log(`Round ${round}/${opts.rounds}`);
      for (const s of scenarios) {
        for (const connections of opts.connections) {
          for (const live of lives) {
            if (signal.aborted) break;
            const m = await measureOne(live, s, connections, round, opts, ctx, generator, signal, log);
            if (m) measurements.push(m);
          }
        }
      }
    }
    for (const live of lives) {
      if (!live.running) continue;
      const mem = memory(live.running);
      live.record.endRssTotalMB = mem.total;
      live.record.endRssPerWorkerMB = mem.perWorker;
    }
    if (afterRounds && !signal.aborted) {
      // The cross-check starts its own instances: nothing of the rounds stays on the server CPUs.
      await Promise.all(lives.map((l) => l.running?.stop().catch(() => undefined)));
      const ran = lives.filter((l) => l.record.status === 'ran');
      for (const l of lives) l.running = undefined;
      await afterRounds(ran.map((l) => ({ contender: l.contender, excluded: l.record.excluded })), generator);
    }
  } finally {
    await generator.close().catch(() => undefined);
    await Promise.all(lives.map((l) => l.running?.stop().catch(() => undefined)));
  }
  return { contenders: lives.map((l) => l.record), measurements, interrupted: signal.aborted };
}

export type Timed = Omit<Measurement, 'round' | 'contender' | 'scenario' | 'connections' | 'attempts'>;

/** One timed run with the CPU accounting around it: the contender's processes, and everything else. */
export async function timedRun(pids: number[], run: () => Promise<LoadResult>): Promise<Timed> {
  const cpu0 = cpuSeconds(pids);
  const machine0 = machineCpuSeconds();
  const t0 = Date.now();
  const result = await run();
  const wall = (Date.now() - t0) / 1000;
  const machine1 = machineCpuSeconds();
  const serverCores = (cpuSeconds(pids) - cpu0) / wall;
  const otherCores = Math.max(0, (machine1.busy - machine0.busy) / wall - serverCores - result.generatorCores);
  const stealCores = (machine1.steal - machine0.steal) / wall;
  return { result, serverCores, otherCores, stealCores };
}

/**
 * Other processes, or the hypervisor, can take the server's CPU for a whole measurement: such a
 * run says nothing about the server, so it is measured again, up to `retries` times; the last try
 * counts.
 */
export async function measureQuietly(label: string, retries: number, signal: AbortSignal, log: Log, measure: () => Promise<Timed>): Promise<Timed & { attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const m = await measure();
    const again = noiseCores(m) >= NOISY_OTHER_CORES && attempts <= retries && !signal.aborted;
    log(describeMeasurement(label, m) + (again ? '  (noisy: again)' : ''));
    if (!again) return { ...m, attempts };
  }
}

export function describeMeasurement(label: string, m: Timed): string {
  const { result } = m;
  const bad = result.errors + result.non2xx;
  return (
    `  ${label} ${fmt(result.rps).padStart(7)} req/s  p99 ${result.p99Ms.toFixed(1)} ms  ` +
    `generator ${(result.generatorCores * 100).toFixed(0)}%  server ${(m.serverCores * 100).toFixed(0)}%  other ${(m.otherCores * 100).toFixed(0)}%  steal ${(m.stealCores * 100).toFixed(0)}%${bad ? `  ERRORS ${result.errors} non-2xx ${result.non2xx}` : ''}`
  );
}

async function measureOne(
  live: Live,
  s: Scenario,
  connections: number,
  round: number,
  opts: BenchOptions,
  ctx: BenchContext,
  generator: LoadGenerator,
  signal: AbortSignal,
  log: Log,
): Promise<Measurement | undefined> {
  const { running, record } = live;
  if (!running || record.excluded[s.id]) return undefined;
  if (!running.alive()) {
    record.status = 'failed';
    record.reason = `a server process died during the run — output: ${lastLines(running.output())}`;
    log(`  ${record.id}: ${record.reason}`);
    live.running = undefined;
    await running.stop();
    return undefined;
  }
  try {
    // A fresh process's first look at a route also warms its JIT: a second longer at the first
    // connection count (every round when each round starts the contenders afresh).
    const firstSight = (round === 1 || opts.restart) && connections === opts.connections[0];
    const warmup = opts.warmupSec > 0 && firstSight ? opts.warmupSec + 1 : opts.warmupSec;
    if (warmup > 0) await generator.run(job(opts, running.url, s, connections, warmup, ctx.root), signal);
    const pids = running.pids().all;
    const m = await measureQuietly(`${s.id}@${connections} ${record.id.padEnd(18)}`, opts.retries, signal, log, () =>
      timedRun(pids, () => generator.run(job(opts, running.url, s, connections, opts.durationSec, ctx.root), signal)),
    );
    return { round, contender: record.id, scenario: s.id, connections, ...m };
  } catch (err) {
    if (!signal.aborted) log(`  ${s.id}@${connections} ${record.id}: measurement failed: ${(err as Error).message}`);
    return undefined;
  }
}
