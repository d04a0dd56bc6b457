// What a process costs and whether it runs, read from /proc: resident memory, open fds, liveness.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** The process exists and is not a zombie (an exited child nobody has reaped yet is not alive). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The soft limit on open files of this process (what it may hold as client sockets). */
export function openFileLimit(pid: number | 'self' = 'self'): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/**
 * Raises the soft open-file limit of `pid` towards `want`, up to its hard limit (no privilege
 * needed), with util-linux's prlimit. Returns the soft limit it has now.
 */
export function raiseOpenFileLimit(pid: number, want: number): number {
  const m = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const hard = !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  const target = Math.min(want, hard);
  if (openFileLimit(pid) < target) spawnSync('prlimit', ['--pid', String(pid), `--nofile=${target}:`], { stdio: 'ignore' });
  return openFileLimit(pid);
}

/** The fd count once it has stayed the same for `quietMs` (transient connections have closed). */
export async function settledFdCount(pid: number, quietMs = 300, timeoutMs = 10000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = fdCount(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = fdCount(pid);
    if (now === last || Date.now() > deadline) return now;
    last = now;
  }
}

/**
 * No process with this pid exists any more, not even a zombie: its parent has reaped it (a
 * supervisor that forgets to wait() for a child fails this, while alive() already says false).
 */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

