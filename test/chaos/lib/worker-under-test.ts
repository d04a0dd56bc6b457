// A circus-worker serving a chaos fixture on an inherited loopback socket, and the matrix of
// backend × handler combinations the hostile-input checks run against.
import path from 'node:path';
import { ROOT } from '../../helpers/process.js';
import { request, type Target } from '../../helpers/http.js';
import { closeFd, runWorker, tcpListener, workerOnFd, type FdWorker } from '../../helpers/worker.js';
import { waitFor } from '../../helpers/process.js';

export type BackendName = 'node' | 'uws';
export type HandlerName = 'fetch' | 'node';

export const CHAOS_APPS = path.join(ROOT, 'test/fixtures/chaos');
const APP_FILE: Record<HandlerName, string> = { fetch: 'fetch-app.mjs', node: 'node-app.mjs' };

export interface Combo {
  backend: BackendName;
  handler: HandlerName;
  /** Why this combination cannot run here (then the checks are skipped with this reason). */
  skip?: string;
}

export interface ChaosWorker extends FdWorker {
  pid: number;
  combo: Combo;
  /** Closes the test's copy of the listening fd (the worker keeps its own). */
  release(): void;
}

export function chaosApp(handler: HandlerName): string {
  return path.join(CHAOS_APPS, APP_FILE[handler]);
}

export async function startChaosWorker(combo: Combo, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChaosWorker> {
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', combo.backend, '--handler', combo.handler, ...extra, chaosApp(combo.handler)], env);
    return { ...w, pid: w.proc.child.pid!, combo, release: () => closeFd(listener.fd) };
  } catch (err) {
    closeFd(listener.fd);
    throw err;
  }
}

/** A good request still gets its 200 (the liveness probe after each hostile exchange). */
export async function answersGood(target: Target, timeoutMs = 10000): Promise<boolean> {
  const r = await request(target, { path: '/', timeoutMs });
  return r.status === 200 && r.body.startsWith('ok ');
}

export async function seenPaths(target: Target): Promise<Record<string, number>> {
  return JSON.parse((await request(target, { path: '/seen' })).body) as Record<string, number>;
}

/** Starts the combination once; a worker that exits instead of serving gives the skip reason. */
async function probe(combo: Combo): Promise<string | undefined> {
  const listener = tcpListener();
  const proc = runWorker(['--fd', '3', '--backend', combo.backend, '--handler', combo.handler, chaosApp(combo.handler)], {
    stdio: ['ignore', 'pipe', 'pipe', listener.fd],
  });
  try {
    let exited = false;
    proc.exited.then(() => (exited = true));
    await waitFor(() => exited || /serving \S+/.test(proc.stderr()), 'worker start or exit', 20000);
    if (!exited) return undefined;
    const line = proc.stderr().trim().split('\n').pop() ?? 'exited';
    return `--backend ${combo.backend} with a ${combo.handler} handler does not start here: ${line}`;
  } finally {
    proc.child.kill('SIGKILL');
    await proc.exited;
    closeFd(listener.fd);
  }
}

/** Every backend × handler combination, each with a skip reason when it cannot run on this build. */
export async function workerMatrix(): Promise<Combo[]> {
  const combos: Combo[] = [
    { backend: 'node', handler: 'fetch' },
    { backend: 'node', handler: 'node' },
    { backend: 'uws', handler: 'fetch' },
    { backend: 'uws', handler: 'node' },
  ];
  const reasons = await Promise.all(combos.map(probe));
  combos.forEach((c, i) => (c.skip = reasons[i]));
  return combos;
}

export function comboName(c: Combo): string {
  return `${c.backend} backend, ${c.handler} handler`;
}
