// `npm run bench`: the benchmark suite's command line. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { BASELINE_ID, CONTENDERS, selectContenders } from './contenders/index.js';
import type { BenchContext } from './contenders/types.js';
import { describeMachine } from './machine.js';
import { buildProgram, resolveOptions, type BenchOptions } from './options.js';
import type { BenchRun, CrossCheck, RunRecord } from './records.js';
import { byHandCommands, crossCheck } from './cross-check.js';
import { writeRun } from './report/write.js';
import { runSuite } from './suite.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function log(line: string): void {
  process.stdout.write(line + '\n');
}

/** Whole-second runs plus ~0.1 s of generator overhead each; a fresh instance warms each route 1 s longer. */
function estimateSeconds(opts: BenchOptions, contenders: number): number {
  const cells = opts.scenarios.length * opts.connections.length * contenders;
  const perRound = opts.durationSec + opts.warmupSec + (opts.warmupSec > 0 ? 0.2 : 0.1);
  const jit = opts.warmupSec > 0 ? opts.scenarios.length * contenders * (opts.restart ? opts.rounds : 1) : 0;
  const starts = contenders * 2 * (opts.restart ? opts.rounds : 1);
  const pass = cells * opts.rounds * perRound + jit + starts;
  const cross = opts.crossCheck ? opts.scenarios.length * contenders * opts.crossCheckRounds * (2 * (opts.durationSec + opts.warmupSec + 1) + 0.5) + contenders * opts.crossCheckRounds * 3 : 0;
  return pass * opts.workers.length + cross;
}

function listContenders(ctx: BenchContext): void {
  for (const c of CONTENDERS) {
    const why = c.unavailable(ctx);
    log(`${c.id.padEnd(18)} ${c.label}${c.id === BASELINE_ID ? ' [baseline]' : ''}${why ? `  (unavailable: ${why})` : ''}`);
  }
}

async function main(): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    program.parse(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const opts = resolveOptions(program);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'circus-bench-'));
  // Every process the run starts inherits this marker, so a test can prove none is left behind.
  process.env.CIRCUS_BENCH_RUN = tmpDir;
  const ctx: BenchContext = { root: ROOT, workers: opts.workers[0], serverCpus: opts.serverCpus, tmpDir, fetchApp: opts.fetchApp, supervisor: opts.supervisor, circusApp: opts.circusApp, uwsModule: opts.uwsModule };
  // Inherited by every worker, also under circus-supervisor (copy_env).
  if (opts.uwsModule) process.env.CIRCUS_UWS_MODULE = opts.uwsModule;
  const abort = new AbortController();
  // Signal handlers only enqueue: the suite notices between steps, and the finally blocks clean up.
  const onSignal = (sig: NodeJS.Signals) => {
    if (!abort.signal.aborted) log(`\n${sig}: stopping the current measurement and every contender…`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (opts.list) {
      listContenders(ctx);
      return 0;
    }
    const contenders = selectContenders(opts.contenders);
    if (opts.generator === 'wrk' && opts.pipelining > 1) {
      throw Object.assign(new Error('--pipelining needs --generator autocannon'), { code: 'BAD_OPTION' });
    }
    const started = new Date();
    log(`circus-worker bench: ${contenders.length} contenders × ${opts.scenarios.length} scenarios × ${opts.connections.length} connection levels × ${opts.rounds} rounds × ${opts.workers.length} pass(es) (${opts.workers.join(', ')} worker(s)), ${opts.generator} on CPU ${opts.generatorCpus ?? 'any'}, servers on CPU ${opts.serverCpus ?? 'any'}`);
    log(`Estimated time: about ${Math.ceil(estimateSeconds(opts, contenders.length) / 60)} min`);
    log(`Scratch directory: ${tmpDir}`);
    const machine = describeMachine(ROOT);
    const passes: RunRecord[] = [];
    let crossChecks: CrossCheck[] | undefined;
    for (const workers of opts.workers) {
      if (abort.signal.aborted) break;
      const passCtx = { ...ctx, workers };
      log(`\nPass: ${workers} worker process(es) per contender`);
      const t0 = new Date();
      // The cross-check runs in the per-core pass, beside the bench's own instances.
      const check =
        opts.crossCheck && workers === opts.workers[0]
          ? async (live: Parameters<typeof crossCheck>[2], generator: Parameters<typeof crossCheck>[3]) => {
              crossChecks = await crossCheck(opts, passCtx, live, generator, abort.signal, log);
            }
          : undefined;
      const result = await runSuite(opts, passCtx, contenders, abort.signal, log, check);
      const t1 = new Date();
      passes.push({
        startedAt: t0.toISOString(),
        finishedAt: t1.toISOString(),
        wallSeconds: (t1.getTime() - t0.getTime()) / 1000,
        machine,
        options: opts,
        baseline: BASELINE_ID,
        workers,
        ...result,
      });
    }
    const finished = new Date();
    const run: BenchRun = {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      interrupted: abort.signal.aborted,
      passes,
      crossChecks,
      byHand: byHandCommands(opts, ctx, contenders),
    };
    const outDir = program.getOptionValueSource('out') === 'cli' ? path.resolve(opts.out) : path.join(ROOT, opts.out);
    const written = writeRun(run, outDir);
    log('\n' + written.markdown);
    log(`Written: ${written.files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
    return run.interrupted ? 130 : 0;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error & { code?: string }) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(err.code === 'BAD_OPTION' ? 2 : 1);
  },
);
