// Readiness notification: systemd's sd_notify (NOTIFY_SOCKET, a Unix datagram socket) and
// circus-supervisor's own channel (CIRCUS_NOTIFY_FD, an inherited pipe taking one message per line).
import fs from 'node:fs';
import { C, libc } from './libc.js';

export type NotifyState = 'READY=1' | 'STOPPING=1' | 'RELOADING=1' | `STATUS=${string}` | `MAINPID=${number}`;

/** Sends `state` on every channel the environment offers; never throws (notification is best effort). */
export function notify(state: NotifyState, env: NodeJS.ProcessEnv = process.env): void {
  const pipeFd = Number(env.CIRCUS_NOTIFY_FD);
  if (Number.isInteger(pipeFd) && pipeFd > 2) {
    try {
      fs.writeSync(pipeFd, `${state}\n`);
    } catch {
      // The supervisor went away or closed its end: nothing to tell.
    }
  }
  if (env.NOTIFY_SOCKET) sdNotify(env.NOTIFY_SOCKET, state);
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
