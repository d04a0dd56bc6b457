// Running circus-worker as a real child process: on a listening socket it inherits (as fd 3, the
// way a supervisor passes it), or binding its own; readiness is its start line.
import path from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { createListener, closeFd, type RawListener } from '../../sys/sockets.js';
import { BUILD, ROOT, start, waitForOutput, type Spawned } from './process.js';
import { targetOf, type Target } from './http.js';

export const WORKER_CLI = path.join(BUILD, 'worker/cli.js');
export const APPS = path.join(ROOT, 'test/fixtures/apps');
/** The fetch-style test app, through tsx (fetch-app.mjs is the same app as plain JavaScript). */
export const FETCH_APP = path.join(APPS, 'fetch-app.ts');

export function app(name: string): string {
  return path.join(APPS, name);
}

/** Runs the worker CLI with `args`; the caller decides what it inherits. */
export function runWorker(args: string[], opts: SpawnOptions = {}): Spawned {
  return start(process.execPath, [WORKER_CLI, ...args], opts);
}

/** `circus-worker --fd 3 …` with `fd` as the child's fd 3; does not wait for it. */
export function runWorkerOnFd(fd: number, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return runWorker(['--fd', '3', ...args], { stdio: ['ignore', 'pipe', 'pipe', fd], env: { ...process.env, ...env } });
}

/** Waits for the start line; returns the backend it names. */
export async function ready(p: Spawned): Promise<string> {
  return (await waitForOutput(p, /serving .* backend=(\w+)/, 30000))[1];
}

export interface FdWorker {
  proc: Spawned;
  target: Target;
  backend: string;
}

/** Spawns a worker that inherits `listener` as its fd 3 and waits for its start line. */
export async function workerOnFd(listener: RawListener, args: string[], env: NodeJS.ProcessEnv = {}): Promise<FdWorker> {
  const proc = runWorkerOnFd(listener.fd, args, env);
  return { proc, backend: await ready(proc), target: targetOf(listener.address) };
}

export function tcpListener(host = '127.0.0.1'): RawListener {
  return createListener({ address: { family: host.includes(':') ? 'AF_INET6' : 'AF_INET', host, port: 0 } });
}

export function unixListener(file: string): RawListener {
  return createListener({ address: { family: 'AF_UNIX', path: file } });
}

export interface ServingWorker extends FdWorker {
  target: { host: string; port: number };
  pid: number;
  /** Closes the test's copy of the listening fd (the worker keeps its own). */
  release(): void;
}

/**
 * A worker serving `app` on a fresh 127.0.0.1 listener with `--backend backend`; fails unless it
 * comes up on that backend.
 */
export async function servingWorker(backend: 'node' | 'uws', args: string[] = [], appFile = FETCH_APP, env: NodeJS.ProcessEnv = {}): Promise<ServingWorker> {
  const listener = tcpListener();
  const release = () => closeFd(listener.fd);
  try {
    const w = await workerOnFd(listener, ['--backend', backend, ...args, appFile], env);
    if (w.backend !== backend) throw new Error(`worker came up with backend ${w.backend}, not ${backend}`);
    return { ...w, target: w.target as { host: string; port: number }, pid: w.proc.child.pid!, release };
  } catch (err) {
    release();
    throw err;
  }
}

export { closeFd };
