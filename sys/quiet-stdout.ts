// Runs a native call whose library prints debug lines on stdout (uWebSockets.js 20.30's
// app.domain() writes "Browsed to SNI: …" through std::cout) with fd 1 pointed at /dev/null, so
// they do not land in the worker's access log. JavaScript is synchronous here: nothing of our
// own is written meanwhile.
import fs from 'node:fs';
import { libc } from './libc.js';

const F_DUPFD_CLOEXEC = 1030;

export function withQuietStdout<T>(fn: () => T): T {
  const lc = libc();
  const saved = lc.fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (saved < 0) return fn(); // no stdout to protect
  const devnull = fs.openSync('/dev/null', 'w');
  try {
    lc.dup2(devnull, 1);
    return fn();
  } finally {
    lc.dup2(saved, 1);
    lc.close(saved);
    fs.closeSync(devnull);
  }
}
