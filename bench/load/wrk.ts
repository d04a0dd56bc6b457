// wrk as an optional cross-check generator (Debian package `wrk`): one process per run.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { reapedChildrenCpuSeconds } from '../procfs.js';
import { pinned } from '../server-process.js';
import { AutocannonGenerator } from './autocannon.js';
import type { LoadGenerator, LoadJob, LoadResult } from './types.js';

export class WrkGenerator implements LoadGenerator {
  readonly name = 'wrk';
  /** wrk cannot open a connection per request when the server does not close it: the bench's client does. */
  private newConn?: AutocannonGenerator;

  constructor(private cpus: string | undefined) {}

  async run(job: LoadJob, signal: AbortSignal): Promise<LoadResult> {
    if (job.newConnection) return (this.newConn ??= new AutocannonGenerator(this.cpus)).run(job, signal);
    const cpu0 = reapedChildrenCpuSeconds();
    const t0 = Date.now();
    const out = await this.exec(wrkArgs(job), signal);
    const wall = (Date.now() - t0) / 1000;
    return { ...parseWrk(out), generatorCores: (reapedChildrenCpuSeconds() - cpu0) / wall };
  }

  async close(): Promise<void> {
    await this.newConn?.close();
  }

  private exec(args: string[], signal: AbortSignal): Promise<string> {
    const [cmd, argv] = pinned(this.cpus, 'wrk', args);
    return runToEnd(cmd, argv, undefined, signal);
  }
}

/** Runs a short-lived tool to its end; resolves with stdout+stderr, rejects on a non-zero exit. */
export function runToEnd(cmd: string, args: string[], cwd: string | undefined, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ').slice(0, 200)} exited with ${code}: ${out.trim().split('\n').pop()}`));
    });
  });
}

/** wrk's arguments for a job: what the bench runs, and what the by-hand command prints. */
export function wrkArgs(job: LoadJob): string[] {
  if (job.pipelining > 1) throw new Error('wrk has no pipelining option here; use --generator autocannon');
  if (job.method !== 'GET' && !job.wrkScript) throw new Error(`no wrk script makes the ${job.method} request of ${job.url}`);
  // wrk takes whole seconds.
  const seconds = Math.max(1, Math.round(job.durationSec));
  const args = ['-t', String(Math.min(job.threads, job.connections)), '-c', String(job.connections), '-d', `${seconds}s`];
  args.push('--timeout', `${job.timeoutSec}s`, '--latency');
  if (job.wrkScript) args.push('-s', job.wrkScript);
  return [...args, job.url];
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000 };

function latencyMs(out: string, pct: string): number {
  const m = out.match(new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

export function parseWrk(out: string): Omit<LoadResult, 'generatorCores'> {
  const total = out.match(/(\d+) requests in ([\d.]+)(us|ms|s|m),/);
  if (!total) throw new Error(`cannot read wrk output: ${out.trim().slice(0, 300)}`);
  const requests = Number(total[1]);
  const seconds = (Number(total[2]) * UNIT_MS[total[3]]) / 1000;
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const [connect, read, write, timeouts] = sock ? sock.slice(1).map(Number) : [0, 0, 0, 0];
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const ok = requests - non2xx;
  return {
    rps: ok / seconds,
    responses2xx: ok,
    seconds,
    p50Ms: latencyMs(out, '50'),
    p99Ms: latencyMs(out, '99'),
    errors: connect + read + write + timeouts,
    timeouts,
    non2xx,
  };
}
