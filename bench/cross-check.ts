// --cross-check: does the bench measure what a person measures by hand? Every contender that has
// a by-hand command is also started by that command (a shell at the repository root), next to the
// bench's own instance, and the two are measured in the same minute, round after round: the bench
// way (its generator, warm-up, CPU accounting) and by hand (the printed wrk command, run through a
// shell, its output parsed). Agreement is the difference of the medians.
import { waitFor200 } from './http-probe.js';
import { parseWrk, runToEnd, wrkArgs } from './load/wrk.js';
import type { LoadGenerator, LoadResult } from './load/types.js';
import type { BenchOptions } from './options.js';
import { freePort } from './ports.js';
import { processTree, reapedChildrenCpuSeconds } from './procfs.js';
import type { CrossCheck } from './records.js';
import { median } from './report/summary.js';
import { scenarioById, type Scenario } from './scenarios.js';
import { spawnServer, stopTrees, type ServerProcess } from './server-process.js';
import { describeMeasurement, job, timedRun } from './suite.js';
import type { BenchContext, Contender, Running } from './contenders/types.js';

/** The bench and a by-hand run of the same contender may differ by this much and still agree. */
export const AGREEMENT = 0.1;

type Log = (line: string) => void;

/** The wrk command a person types for this cell (`url` is the server's base URL). */
export function byHandWrk(opts: BenchOptions, url: string, s: Scenario, connections: number): string {
  const pin = opts.generatorCpus ? `taskset -c ${opts.generatorCpus} ` : '';
  return `${pin}wrk ${wrkArgs(job(opts, url, s, connections, opts.durationSec)).join(' ')}`;
}

function shell(command: string, cwd: string, signal: AbortSignal): Promise<string> {
  return runToEnd('bash', ['-c', command], cwd, signal);
}

interface Pair {
  contender: Contender;
  bench: Running;
  port: number;
  server: string;
  proc: ServerProcess;
  excluded: Set<string>;
}

async function startByHand(ctx: BenchContext, contender: Contender, bench: Running, excluded: Set<string>, log: Log): Promise<Pair | undefined> {
  if (!contender.byHand) return undefined;
  const port = await freePort();
  const server = contender.byHand(ctx, port);
  const proc = spawnServer({ cmd: 'bash', args: ['-c', server], cwd: ctx.root });
  try {
    const ms = await waitFor200(`http://127.0.0.1:${port}/hello`, Date.now(), 60_000, () => !proc.exited());
    log(`  ${contender.id}: by hand, first 200 after ${ms} ms: ${server}`);
    return { contender, bench, port, server, proc, excluded };
  } catch (err) {
    log(`  ${contender.id}: the by-hand command did not serve (${(err as Error).message}): ${server} — ${proc.output().trim().split('\n').pop() ?? ''}`);
    await stopTrees([proc.pid]);
    contender.afterByHand?.(port);
    return undefined;
  }
}

async function byHandRun(command: string, ctx: BenchContext, signal: AbortSignal): Promise<LoadResult> {
  const cpu0 = reapedChildrenCpuSeconds();
  const t0 = Date.now();
  const out = await shell(command, ctx.root, signal);
  // bash and wrk are reaped children of this process: their CPU is the generator's.
  return { ...parseWrk(out), generatorCores: (reapedChildrenCpuSeconds() - cpu0) / ((Date.now() - t0) / 1000) };
}

export async function crossCheck(
  opts: BenchOptions,
  ctx: BenchContext,
  live: Array<{ contender: Contender; running?: Running; excluded: Record<string, string | undefined> }>,
  generator: LoadGenerator,
  signal: AbortSignal,
  log: Log,
): Promise<CrossCheck[]> {
  const connections = opts.connections[0];
  const scenarios = opts.scenarios.map(scenarioById).filter((s) => !s.newConnection);
  log(`Cross-check: each contender by its by-hand command beside the bench's instance, ${scenarios.map((s) => s.id).join(',')} at ${connections} connections, ${opts.rounds} rounds`);
  const pairs: Pair[] = [];
  try {
    for (const l of live) {
      if (signal.aborted || !l.running) continue;
      const excluded = new Set(Object.keys(l.excluded).filter((k) => l.excluded[k]));
      const pair = await startByHand(ctx, l.contender, l.running, excluded, log);
      if (pair) pairs.push(pair);
    }
    const rounds = new Map<string, { bench: number[]; hand: number[]; other: number[]; wrk: string }>();
    for (let round = 1; round <= opts.rounds && !signal.aborted; round++) {
      log(`Cross-check round ${round}/${opts.rounds}`);
      for (const s of scenarios) {
        for (const pair of pairs) {
          if (signal.aborted || pair.excluded.has(s.id)) continue;
          const key = `${pair.contender.id} ${s.id}`;
          const url = `http://127.0.0.1:${pair.port}`;
          const wrk = byHandWrk(opts, url, s, connections);
          const slot = rounds.get(key) ?? { bench: [], hand: [], other: [], wrk };
          rounds.set(key, slot);
          const benchWay = async () => {
            if (opts.warmupSec > 0) await generator.run(job(opts, pair.bench.url, s, connections, opts.warmupSec, ctx.root), signal);
            const m = await timedRun(pair.bench.pids().all, () => generator.run(job(opts, pair.bench.url, s, connections, opts.durationSec, ctx.root), signal));
            log(describeMeasurement(`${s.id}@${connections} ${pair.contender.id.padEnd(18)} bench  `, m));
            slot.bench.push(m.result.rps);
          };
          const byHand = async () => {
            // A person's first run on a fresh server warms its JIT; that one is not counted.
            if (round === 1) await shell(wrk, ctx.root, signal);
            const m = await timedRun(processTree(pair.proc.pid), () => byHandRun(wrk, ctx, signal));
            log(describeMeasurement(`${s.id}@${connections} ${pair.contender.id.padEnd(18)} by hand`, m));
            slot.hand.push(m.result.rps);
            slot.other.push(m.otherCores);
          };
          // Alternate which goes first, so that neither always follows the other contender.
          if (round % 2) {
            await benchWay();
            await byHand();
          } else {
            await byHand();
            await benchWay();
          }
        }
      }
    }
    const out: CrossCheck[] = [];
    for (const pair of pairs) {
      for (const s of scenarios) {
        const slot = rounds.get(`${pair.contender.id} ${s.id}`);
        if (!slot || slot.bench.length === 0 || slot.hand.length === 0) continue;
        const benchRps = median(slot.bench);
        const byHandRps = median(slot.hand);
        out.push({
          contender: pair.contender.id,
          scenario: s.id,
          connections,
          server: pair.server,
          wrk: slot.wrk,
          benchRps,
          byHandRps,
          benchRounds: slot.bench,
          byHandRounds: slot.hand,
          difference: (benchRps - byHandRps) / byHandRps,
          otherCores: median(slot.other),
        });
      }
    }
    return out;
  } finally {
    await Promise.all(pairs.map((p) => stopTrees([p.proc.pid])));
    for (const p of pairs) p.contender.afterByHand?.(p.port);
  }
}

/** The by-hand commands for the report, with PORT standing for any free port. */
export function byHandCommands(opts: BenchOptions, ctx: BenchContext, contenders: Contender[]): Array<{ id: string; server?: string; why?: string; wrk: string[] }> {
  const scenarios = opts.scenarios.map(scenarioById).filter((s) => !s.newConnection);
  return contenders.map((c) => ({
    id: c.id,
    server: c.byHand ? c.byHand({ ...ctx, workers: 1 }, 'PORT') : undefined,
    why: c.byHand ? undefined : (c.byHandWhyNot ?? 'no by-hand command'),
    wrk: scenarios.filter((s) => !c.skips?.(s)).map((s) => byHandWrk(opts, 'http://127.0.0.1:PORT', s, opts.connections[0])),
  }));
}
