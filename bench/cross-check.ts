// --cross-check: does the bench measure what a person measures by hand? Every contender that has
// a by-hand command is also started by that command (a shell at the repository root), next to the
// bench's own instance, and the two are measured in the same minute, round after round: the bench
// way (its generator, warm-up, CPU accounting) and by hand (the printed wrk command, run through a
// shell, its output parsed). Agreement is judged per pair (report/agreement.ts).
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
import { job, measureQuietly, startServing, timedRun, type Timed } from './suite.js';
import type { BenchContext, Contender, Running } from './contenders/types.js';

type Log = (line: string) => void;

/** The wrk command a person types for this cell (`url` is the server's base URL). */
export function byHandWrk(opts: BenchOptions, url: string, s: Scenario, connections: number): string {
  const pin = opts.generatorCpus ? `taskset -c ${opts.generatorCpus} ` : '';
  return `${pin}wrk ${wrkArgs(job(opts, url, s, connections, opts.durationSec)).join(' ')}`;
}

function shell(command: string, cwd: string, signal: AbortSignal): Promise<string> {
  return runToEnd('bash', ['-c', command], cwd, signal);
}

interface ByHand {
  port: number;
  proc: ServerProcess;
  /** The command that started it. */
  server: string;
}

/** The by-hand instance of `contender` on a free port, once it answers; undefined when it does not. */
async function startByHand(ctx: BenchContext, contender: Contender, log: Log, quiet: boolean): Promise<ByHand | undefined> {
  const port = await freePort();
  const server = contender.byHand!(ctx, port);
  const proc = spawnServer({ cmd: 'bash', args: ['-c', server], cwd: ctx.root });
  try {
    const ms = await waitFor200(`http://127.0.0.1:${port}/hello`, Date.now(), 60_000, () => !proc.exited());
    if (!quiet) log(`  ${contender.id}: by hand, first 200 after ${ms} ms: ${server}`);
    return { port, proc, server };
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

/**
 * Round after round, contender after contender: a fresh bench instance (started as the bench
 * starts it) and a fresh by-hand instance, alone on the server CPUs, measured back to back per
 * scenario (the order alternating by round), then both stopped. Fresh pairs, because one
 * instance of a server can run 10-20% off another for its whole life here: comparing two single
 * processes would test their luck, not the bench.
 */
export async function crossCheck(
  opts: BenchOptions,
  ctx: BenchContext,
  live: Array<{ contender: Contender; excluded: Record<string, string | undefined> }>,
  generator: LoadGenerator,
  signal: AbortSignal,
  log: Log,
): Promise<CrossCheck[]> {
  const connections = opts.connections[0];
  const scenarios = opts.scenarios.map(scenarioById).filter((s) => !s.newConnection);
  const checked = live.filter((l) => l.contender.byHand);
  log(`Cross-check: each contender by the bench and by its by-hand command, a fresh pair per round, ${scenarios.map((s) => s.id).join(',')} at ${connections} connections, ${opts.crossCheckRounds} rounds`);
  const slots = new Map<string, { pairs: Array<[number, number]>; other: number[]; steal: number[]; wrk: string; server: string }>();
  const quiet = (label: string, measure: () => Promise<Timed>) => measureQuietly(label, opts.retries, signal, log, measure);
  for (let round = 1; round <= opts.crossCheckRounds && !signal.aborted; round++) {
    log(`Cross-check round ${round}/${opts.crossCheckRounds}`);
    for (const l of checked) {
      if (signal.aborted) break;
      const { contender } = l;
      const excluded = new Set(Object.keys(l.excluded).filter((k) => l.excluded[k]));
      let hand: ByHand | undefined;
      let bench: Running | undefined;
      try {
        hand = await startByHand(ctx, contender, log, round > 1);
        if (!hand) continue;
        await startServing(contender, ctx, (r) => (bench = r));
        const pair = { bench: bench!, hand };
        for (const s of scenarios) {
          if (signal.aborted || excluded.has(s.id)) continue;
          const key = `${contender.id} ${s.id}`;
          const wrk = byHandWrk(opts, `http://127.0.0.1:${pair.hand.port}`, s, connections);
          const slot = slots.get(key) ?? { pairs: [], other: [], steal: [], wrk: byHandWrk(opts, 'http://127.0.0.1:PORT', s, connections), server: pair.hand.server.replace(String(pair.hand.port), 'PORT') };
          slots.set(key, slot);
          const benchWay = async (): Promise<number> => {
            // Both fresh instances get the same warm-up for their JIT: the bench's own, and a
            // person's first (uncounted) run of the printed command.
            await generator.run(job(opts, pair.bench.url, s, connections, opts.warmupSec + 1, ctx.root), signal);
            const m = await quiet(`${s.id}@${connections} ${contender.id.padEnd(18)} bench  `, () => timedRun(pair.bench.pids().all, () => generator.run(job(opts, pair.bench.url, s, connections, opts.durationSec, ctx.root), signal)));
            return m.result.rps;
          };
          const byHand = async (): Promise<number> => {
            await shell(wrk, ctx.root, signal);
            const m = await quiet(`${s.id}@${connections} ${contender.id.padEnd(18)} by hand`, () => timedRun(processTree(pair.hand.proc.pid), () => byHandRun(wrk, ctx, signal)));
            slot.other.push(m.otherCores);
            slot.steal.push(m.stealCores);
            return m.result.rps;
          };
          // Alternate which goes first, so that neither always follows the other. A round that
          // measured only one of the two records nothing: the pair is the unit compared.
          if (round % 2) {
            const b = await benchWay();
            slot.pairs.push([b, await byHand()]);
          } else {
            const h = await byHand();
            slot.pairs.push([await benchWay(), h]);
          }
        }
      } catch (err) {
        if (!signal.aborted) log(`  ${contender.id}: cross-check round ${round} failed: ${(err as Error).message}`);
      } finally {
        await Promise.all([(bench as Running | undefined)?.stop().catch(() => undefined), hand && stopTrees([hand.proc.pid])]);
        if (hand) contender.afterByHand?.(hand.port);
      }
    }
  }
  const out: CrossCheck[] = [];
  for (const l of checked) {
    for (const s of scenarios) {
      const slot = slots.get(`${l.contender.id} ${s.id}`);
      if (!slot || slot.pairs.length === 0) continue;
      const benchRounds = slot.pairs.map((p) => p[0]);
      const byHandRounds = slot.pairs.map((p) => p[1]);
      const benchRps = median(benchRounds);
      const byHandRps = median(byHandRounds);
      out.push({
        contender: l.contender.id,
        scenario: s.id,
        connections,
        server: slot.server,
        wrk: slot.wrk,
        benchRps,
        byHandRps,
        benchRounds,
        byHandRounds,
        difference: (benchRps - byHandRps) / byHandRps,
        otherCores: median(slot.other),
        stealCores: median(slot.steal),
      });
    }
  }
  return out;
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
