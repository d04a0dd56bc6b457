// Spawning real processes in tests: every child is tracked and killed in an after hook,
// and readiness is awaited on output with a deadline (never a bare sleep).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD = path.join(ROOT, 'build');

/**
 * Throws at once, saying which folder, when a process running as another user (nobody) cannot
 * reach this checkout or the Node binary: a clone made inside `mktemp -d` sits in a 0700 folder,
 * and the tests that run workers as nobody would otherwise time out waiting for them.
 */
export function assertOthersCanReach(): void {
  for (const target of [ROOT, process.execPath]) {
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode & 0o777;
      if ((mode & 0o001) === 0) {
        throw new Error(`${dir} is mode ${mode.toString(8)}: a worker running as another user cannot reach ${target} (chmod o+x ${dir})`);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Spawned {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      // 'exit' can come before the pipes have given their last lines: wait for them to close, but
      // no more than 2 s (a grandchild that inherited them, e.g. a worker outliving a SIGKILLed
      // supervisor, keeps them open).
      const open = [child.stdout, child.stderr].filter((s) => s && !s.closed);
      const timer = setTimeout(() => resolve({ code, signal }), 2000);
      Promise.all(open.map((s) => new Promise((r) => s!.once('close', r)))).then(() => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Kills every child this test file started (SIGKILL, then waits for the exit). */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the child's stdout+stderr matches `re`, failing early if it exits. */
export async function waitForOutput(p: Spawned, re: RegExp, timeoutMs = 20000): Promise<RegExpMatchArray> {
  let exited = false;
  p.exited.then(() => (exited = true));
  const found = await waitFor(() => {
    const m = (p.stdout() + p.stderr()).match(re);
    if (m) return m;
    if (exited) throw new Error(`process exited before printing ${re}; stdout=${p.stdout()} stderr=${p.stderr()}`);
    return null;
  }, `output ${re}`, timeoutMs);
  return found as RegExpMatchArray;
}
