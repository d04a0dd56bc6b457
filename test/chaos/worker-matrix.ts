// The backend × handler combinations the reliability checks run against, and a worker serving
// the test app for one of them.
import { request, type Target } from '../helpers/http.js';
import { waitFor } from '../helpers/process.js';
import { app, closeFd, runWorkerOnFd, servingWorker, tcpListener, type ServingWorker } from '../helpers/worker.js';

export type BackendName = 'node' | 'uws';
export type HandlerName = 'fetch' | 'node';

const APP_FILE: Record<HandlerName, string> = { fetch: 'fetch-app.mjs', node: 'node-app.mjs' };

export interface Combo {
  backend: BackendName;
  handler: HandlerName;
  /** Why this combination does not run here (then its checks are skipped with this reason). */
  skip?: string;
}

export interface ChaosWorker extends ServingWorker {
  combo: Combo;
}

/** The test app for a handler kind, as plain JavaScript (no tsx in the measured workers). */
export function chaosApp(handler: HandlerName): string {
  return app(APP_FILE[handler]);
}

export async function startChaosWorker(combo: Combo, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChaosWorker> {
  const w = await servingWorker(combo.backend, ['--handler', combo.handler, ...extra], chaosApp(combo.handler), env);
  return { ...w, combo };
}

/** A good request still gets its 200 (the liveness probe after each hostile exchange). */
export async function answersGood(target: Target, timeoutMs = 10000): Promise<boolean> {
  const r = await request(target, '/', { timeoutMs });
  return r.status === 200 && r.body.startsWith('ok ');
}

/** How often each path reached the app. */
export async function seenPaths(target: Target): Promise<Record<string, number>> {
  return (await request(target, '/seen')).json();
}

/** Starts the combination once; a worker that exits instead of serving gives the skip reason. */
async function probe(combo: Combo): Promise<string | undefined> {
  const listener = tcpListener();
  const proc = runWorkerOnFd(listener.fd, ['--backend', combo.backend, '--handler', combo.handler, chaosApp(combo.handler)]);
  try {
    let exited = false;
    void proc.exited.then(() => (exited = true));
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
