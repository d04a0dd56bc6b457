// Starting circus-worker as a real child process on a listening socket it inherits.
import path from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { createListener, closeFd, type RawListener } from '../../sys/sockets.js';
import type { SocketAddress } from '../../sys/sockaddr.js';
import { BUILD, ROOT, start, waitForOutput, type Spawned } from './process.js';
import type { Target } from './http.js';

export const WORKER_CLI = path.join(BUILD, 'worker/cli.js');
export const APPS = path.join(ROOT, 'test/fixtures/apps');

export function app(name: string): string {
  return path.join(APPS, name);
}

/** Runs the worker CLI with `args`; the caller decides what it inherits. */
export function runWorker(args: string[], opts: SpawnOptions = {}): Spawned {
  return start(process.execPath, [WORKER_CLI, ...args], opts);
}

export function targetOf(address: SocketAddress): Target {
  return address.family === 'AF_UNIX' ? { socketPath: address.path } : { host: address.host, port: address.port };
}

export interface FdWorker {
  proc: Spawned;
  target: Target;
}

/** Spawns a worker that inherits `listener` as its fd 3 and waits for its start line. */
export async function workerOnFd(listener: RawListener, args: string[], env: NodeJS.ProcessEnv = {}): Promise<FdWorker> {
  const proc = runWorker(['--fd', '3', ...args], { stdio: ['ignore', 'pipe', 'pipe', listener.fd], env: { ...process.env, ...env } });
  await waitForOutput(proc, /serving \S+/);
  return { proc, target: targetOf(listener.address) };
}

export function tcpListener(host = '127.0.0.1'): RawListener {
  return createListener({ address: { family: host.includes(':') ? 'AF_INET6' : 'AF_INET', host, port: 0 } });
}

export function unixListener(file: string): RawListener {
  return createListener({ address: { family: 'AF_UNIX', path: file } });
}

export { closeFd };
