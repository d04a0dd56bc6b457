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
import type { RunRecord } from './records.js';
import { writeRun } from './report/write.js';
import { runSuite } from './suite.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function log(line: string): void {
  process.stdout.write(line + '\n');
}

/** Whole-second runs plus ~0.1 s of generator overhead each; round 1 warms each route 1 s longer. */
function estimateSeconds(opts: BenchOptions, contenders: number): number {
  const cells = opts.scenarios.length * opts.connections.length * contenders;
  const perRound = opts.durationSec + opts.warmupSec + (opts.warmupSec > 0 ? 0.2 : 0.1);
  const jit = opts.warmupSec > 0 ? opts.scenarios.length * contenders : 0;
  return cells * opts.rounds * perRound + jit + contenders * 2;
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
  const ctx: BenchContext = { root: ROOT, workers: opts.workers, serverCpus: opts.serverCpus, tmpDir, fetchApp: opts.fetchApp, supervisor: opts.supervisor, circusApp: opts.circusApp };
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
    log(`circus-worker bench: ${contenders.length} contenders × ${opts.scenarios.length} scenarios × ${opts.connections.length} connection levels × ${opts.rounds} rounds, ${opts.generator} on CPU ${opts.generatorCpus ?? 'any'}, servers on CPU ${opts.serverCpus ?? 'any'}`);
    log(`Estimated time: about ${Math.ceil(estimateSeconds(opts, contenders.length) / 60)} min`);
    log(`Scratch directory: ${tmpDir}`);
    const machine = describeMachine(ROOT);
    const result = await runSuite(opts, ctx, contenders, abort.signal, log);
    const finished = new Date();
    const run: RunRecord = {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      machine,
      options: opts,
      baseline: BASELINE_ID,
      ...result,
    };
    const outDir = program.getOptionValueSource('out') === 'cli' ? path.resolve(opts.out) : path.join(ROOT, opts.out);
    const written = writeRun(run, outDir);
    log('\n' + written.markdown);
    log(`Written: ${written.files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
    return result.interrupted ? 130 : 0;
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
