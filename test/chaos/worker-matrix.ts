// The backend × handler combinations the reliability checks run against, and a worker serving
// the test app for one of them.
import { request, type Target } from '../helpers/http.js';
import { waitFor } from '../helpers/process.js';
import { app, closeFd, runWorkerOnFd, servingWorker, tcpListener, type ServingWorker } from '../helpers/worker.js';
import { uwsExpectation } from '../helpers/uws-available.js';

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

/** Starts the combination once; undefined when it serves, else its last line of stderr. */
async function failureToStart(combo: Combo): Promise<string | undefined> {
  const listener = tcpListener();
  const proc = runWorkerOnFd(listener.fd, ['--backend', combo.backend, '--handler', combo.handler, chaosApp(combo.handler)]);
  try {
    let exited = false;
    void proc.exited.then(() => (exited = true));
    await waitFor(() => exited || /serving \S+/.test(proc.stderr()), 'worker start or exit', 30000);
    return exited ? (proc.stderr().trim().split('\n').pop() || `exited ${proc.child.exitCode}`) : undefined;
  } finally {
    proc.child.kill('SIGKILL');
    await proc.exited;
    closeFd(listener.fd);
  }
}

/** Why a combination is not expected to run here, or undefined when it must. */
function expectedSkip(c: Combo): string | undefined {
  if (c.backend === 'node') return undefined;
  if (c.handler === 'node') return 'node-style (req, res) handlers are not served by the uws backend, by design (--backend auto serves them with node:http)';
  const uws = uwsExpectation();
  return uws.run ? undefined : uws.why;
}

/**
 * Every backend × handler combination, with a skip reason for the ones that cannot run on this
 * Node. Throws when a combination that must run here does not start: a start-up regression
 * must fail the reliability suites, never skip them.
 */
export async function workerMatrix(): Promise<Combo[]> {
  const combos: Combo[] = [
    { backend: 'node', handler: 'fetch' },
    { backend: 'node', handler: 'node' },
    { backend: 'uws', handler: 'fetch' },
    { backend: 'uws', handler: 'node' },
  ].map((c) => ({ ...(c as Combo), skip: expectedSkip(c as Combo) }));
  const failures = await Promise.all(combos.map((c) => (c.skip ? undefined : failureToStart(c))));
  const broken = combos.flatMap((c, i) => (failures[i] ? [`${comboName(c)} must run here but did not start: ${failures[i]}`] : []));
  if (broken.length) throw new Error(broken.join('\n'));
  return combos;
}

export function comboName(c: Combo): string {
  return `${c.backend} backend, ${c.handler} handler`;
}
