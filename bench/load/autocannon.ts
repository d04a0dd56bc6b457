// Suite side of the Node load generator: one long-lived child pinned to the generator CPUs that
// runs autocannon (and the new-connection client, also for the wrk generator).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from '../server-process.js';
import type { LoadGenerator, LoadJob, LoadResult } from './types.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generator-child.js');

interface Reply {
  id: number;
  result?: LoadResult;
  error?: string;
}

export class AutocannonGenerator implements LoadGenerator {
  readonly name = 'autocannon';
  private child: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  constructor(cpus: string | undefined) {
    const [cmd, args] = pinned(cpus, process.execPath, [CHILD]);
    this.child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: Reply) => this.settle(m));
    this.child.on('exit', (code, sig) => this.failAll(new Error(`load generator process exited (${sig ?? code})`)));
  }

  run(job: LoadJob, signal: AbortSignal): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('aborted'));
      const onAbort = () => this.child.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      const done = <T>(fn: (v: T) => void) => (v: T) => {
        signal.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.child.send({ id, job });
    });
  }

  /** Pid of the generator process, for CPU affinity checks and diagnostics. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.result) p.resolve(m.result);
    else p.reject(new Error(m.error ?? 'autocannon failed'));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
