// npx, `npm exec` and `npm start` run a command through `sh -c`. When a process manager or a
// closing terminal sends SIGTERM to npm, npm passes it to that shell, the shell dies, and the
// command is left running, holding its port. So a command that npm started follows npm out.
// Started any other way (a shell, nohup, systemd), nothing is watched.
import fs from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  /** Start time in clock ticks since boot: tells a reused pid from the one we saw. */
  start: string;
}

function readProc(pid: number): Proc | undefined {
  if (!(pid > 0)) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const rest = stat.slice(close + 2).split(' ');
    return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), state: rest[0], ppid: Number(rest[1]), start: rest[19] };
  } catch {
    return undefined;
  }
}

const SHELLS = new Set(['sh', 'dash', 'bash']);

/** The npm process that started `pid`: its parent, or the parent of its `sh -c`. npm titles itself `npm exec …`. */
function npmLauncher(pid = process.pid): Proc | undefined {
  let p = readProc(readProc(pid)?.ppid ?? 0);
  if (p && SHELLS.has(p.comm)) p = readProc(p.ppid);
  return p && /^np[mx](\s|$)/.test(p.comm) ? p : undefined;
}

/**
 * When npm started this process, calls `onGone` once npm has exited (polled: no signal reaches
 * us when a grandparent dies). Returns a stop function, or undefined when npm is not the launcher.
 */
export function followNpmLauncher(onGone: (who: string) => void, everyMs = 500): (() => void) | undefined {
  const npm = npmLauncher();
  if (!npm) return undefined;
  const timer = setInterval(() => {
    const now = readProc(npm.pid);
    if (now && now.start === npm.start && now.state !== 'Z') return;
    clearInterval(timer);
    onGone(`'${npm.comm}' (pid ${npm.pid})`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
