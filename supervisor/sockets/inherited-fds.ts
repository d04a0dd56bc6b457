// Fds the supervisor itself inherited (fd 3 and up, without close-on-exec) would otherwise leak
// into every child: node's spawn does not close them as Circus's close_fds does.
import fs from 'node:fs';
import { setInheritable } from '../../sys/sockets.js';

/** Marks every open fd >= 3 close-on-exec; returns the ones it changed, for the log. */
export function closeInheritedOnExec(): number[] {
  let fds: number[];
  try {
    fds = fs.readdirSync('/proc/self/fd').map(Number).filter((fd) => fd >= 3);
  } catch {
    return [];
  }
  const changed: number[] = [];
  for (const fd of fds) {
    try {
      setInheritable(fd, false);
      changed.push(fd);
    } catch {
      // Already closed (e.g. the directory handle used to list /proc/self/fd).
    }
  }
  return changed;
}
