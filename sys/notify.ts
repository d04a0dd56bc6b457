// Readiness notification: systemd's sd_notify (NOTIFY_SOCKET, a Unix datagram socket) and
// circus-supervisor's own channel (CIRCUS_NOTIFY_FD, an inherited pipe taking one message per line).
import fs from 'node:fs';
import { C, libc } from './libc.js';

export type NotifyState = 'READY=1' | 'STOPPING=1' | 'RELOADING=1' | 'WATCHDOG=1' | `STATUS=${string}` | `MAINPID=${number}`;

/** Sends `state` on every channel the environment offers; never throws (notification is best effort). */
export function notify(state: NotifyState, env: NodeJS.ProcessEnv = process.env): void {
  notifyParent(state, env);
  notifySystemd(state, env);
}

/** One line on circus-supervisor's pipe only (a heartbeat carries fields systemd does not know). */
export function notifyParent(line: string, env: NodeJS.ProcessEnv = process.env): void {
  const pipeFd = Number(env.CIRCUS_NOTIFY_FD);
  if (!Number.isInteger(pipeFd) || pipeFd <= 2) return;
  try {
    fs.writeSync(pipeFd, `${line}\n`);
  } catch {
    // The supervisor went away or closed its end: nothing to tell.
  }
}

export function notifySystemd(state: NotifyState, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NOTIFY_SOCKET) sdNotify(env.NOTIFY_SOCKET, state);
}

/**
 * sd_watchdog_enabled(): how often systemd wants WATCHDOG=1 (WatchdogSec= → WATCHDOG_USEC), in ms,
 * when it asks this process (WATCHDOG_PID unset or ours); undefined otherwise.
 */
export function systemdWatchdogMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1000;
}

function sdNotify(socketPath: string, state: string): void {
  try {
    const lc = libc();
    // '@' marks the abstract namespace: a leading NUL and no trailing one.
    const abstract = socketPath.startsWith('@');
    const name = Buffer.from(abstract ? '\0' + socketPath.slice(1) : socketPath);
    const addr = Buffer.alloc(2 + name.length + (abstract ? 0 : 1));
    addr.writeUInt16LE(C.AF_UNIX, 0);
    name.copy(addr, 2);
    const fd = lc.socket(C.AF_UNIX, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    const msg = Buffer.from(state);
    lc.sendto(fd, msg, msg.length, 0, addr, addr.length);
    lc.close(fd);
  } catch {
    // koffi missing or socket gone: systemd will fall back to its own timeout.
  }
}
