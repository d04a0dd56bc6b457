// Running circus-supervisor in tests: write an INI into a temp dir, start the supervisor on it,
// wait for its "ready" line, talk to its control endpoint, follow its watchers' processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request as control, type Reply } from '../../supervisor/ctl/client.js';
import { BUILD, killAll, ROOT, start, waitFor, waitForOutput, type Spawned } from './process.js';
import { alive } from './proc-stats.js';
import { request } from './http.js';

export const FIXTURES = path.join(ROOT, 'test/fixtures');
export const SUPERVISOR_CLI = path.join(BUILD, 'supervisor/cli.js');
export const CTL = path.join(BUILD, 'supervisor/ctl/cli.js');

const made: string[] = [];

/** A private directory for one test's INI, sockets and files; removed when the test file's process exits. */
export function tempDir(): string {
  if (made.length === 0) process.once('exit', () => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sup-'));
  made.push(dir);
  return dir;
}

export interface Running {
  proc: Spawned;
  dir: string;
  endpoint: string;
  /** Socket name → "host:port" or "unix:/path", from the ready line. */
  sockets: Map<string, string>;
  ctl(command: string, properties?: Record<string, unknown>): Promise<Reply>;
  ok(command: string, properties?: Record<string, unknown>): Promise<Reply>;
}

/** Variables every fixture INI may use through $(circus.env.X). */
export function fixtureEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, CW_TEST_DIR: dir, CW_FIXTURES: FIXTURES, CW_ROOT: ROOT };
}

/** Starts the supervisor on `ini` (a fixture name or INI text) and waits until it is ready. */
export async function startSupervisor(ini: string, opts: { dir?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): Promise<Running> {
  const dir = opts.dir ?? tempDir();
  const file = ini.includes('\n') ? path.join(dir, 'circus.ini') : path.join(FIXTURES, ini);
  if (ini.includes('\n')) fs.writeFileSync(file, ini);
  const proc = start(process.execPath, [SUPERVISOR_CLI, file], { env: { ...fixtureEnv(dir), ...opts.env }, detached: opts.detached });
  const m = await waitForOutput(proc, /ready: \d+ watchers, sockets \[(.*)\], endpoint (\S+)/, 30000);
  const sockets = new Map(
    m[1]
      .split(' ')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
  const endpoint = m[2];
  const ctl = (command: string, properties: Record<string, unknown> = {}) => control(endpoint, command, properties);
  const ok = async (command: string, properties: Record<string, unknown> = {}) => {
    const r = await ctl(command, properties);
    if (r.status === 'error') throw new Error(`${command} ${JSON.stringify(properties)} answered ${JSON.stringify(r)}`);
    return r;
  };
  const r = { proc, dir, endpoint, sockets, ctl, ok };
  running.add(r);
  void proc.exited.then(() => running.delete(r));
  return r;
}

const running = new Set<Running>();

/**
 * Stops every supervisor still running with SIGTERM (so children that do not watch their parent
 * are stopped too), SIGKILL after 20 s; then the generic killAll. Use in afterEach.
 */
export async function cleanup(): Promise<void> {
  await Promise.all(
    [...running].map(async (r) => {
      r.proc.child.kill('SIGTERM');
      const t = setTimeout(() => r.proc.child.kill('SIGKILL'), 20000);
      await r.proc.exited;
      clearTimeout(t);
    }),
  );
  await killAll();
}

/** Pids answering on `address` over `n` fresh connections. */
export async function servingPids(address: string, n: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < n; i++) pids.add((await request(address)).json().pid);
  return pids;
}

export async function watcherPids(r: Running, name: string): Promise<number[]> {
  return (await r.ok('list', { name })).pids as number[];
}

/**
 * Waits until the watcher has exactly `n` processes, all running; with `serving` (default), also
 * until each fixture worker has printed that it serves (a watcher that never notifies counts as
 * running as soon as warmup_delay has passed).
 */
export async function waitForRunning(r: Running, name: string, n: number, timeoutMs = 30000, serving = true): Promise<number[]> {
  return waitFor<number[] | undefined>(async () => {
    const l = await r.ok('list', { name });
    const procs = l.processes as { pid: number; state: string }[];
    const up = (pid: number) => !serving || r.proc.stderr().includes(`fixture[${pid}] serving`);
    return procs.length === n && procs.every((p) => p.state === 'running' && up(p.pid)) ? procs.map((p) => p.pid) : undefined;
  }, `${n} running processes in watcher ${name}`, timeoutMs) as Promise<number[]>;
}

/** Pids of the watcher's processes that are running. */
export async function runningPids(r: Running, watcher: string): Promise<number[]> {
  const l = await r.ok('list', { name: watcher });
  return (l.processes as { pid: number; state: string }[]).filter((p) => p.state === 'running' && alive(p.pid)).map((p) => p.pid);
}

export const WORKER_APP = path.join(FIXTURES, 'supervisor-app.mjs');

/** A [watcher:] running the real circus-worker on socket `socket` with the test app. */
export function workerWatcher(name: string, extra = '', socket = 'web'): string {
  return `[watcher:${name}]
cmd = circus-worker --fd $(circus.sockets.${socket}) ${WORKER_APP}
use_sockets = True
${extra}
`;
}

/** Index of the first line in `text` matching `re`, or -1. */
export function lineIndex(text: string, re: RegExp): number {
  return text.split('\n').findIndex((l) => re.test(l));
}
