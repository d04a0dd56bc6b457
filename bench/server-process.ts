// Spawning a contender's processes pinned to the server CPUs, keeping their output for
// diagnostics, and stopping whole process trees (TERM, then KILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { isAlive, processTree } from './procfs.js';

const OUTPUT_LIMIT = 64 * 1024;

export interface SpawnSpec {
  cmd: string;
  args: string[];
  cpus?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra fds handed to the child as fd 3, 4, … */
  fds?: number[];
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: () => boolean;
}

export function pinned(cpus: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
}

export function spawnServer(spec: SpawnSpec): ServerProcess {
  const [cmd, args] = pinned(spec.cpus, spec.cmd, spec.args);
  const child = spawn(cmd, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(spec.fds ?? [])],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`spawn ${cmd} failed: ${err.message}\n`)));
  let done = false;
  child.on('exit', () => (done = true));
  if (child.pid === undefined) done = true;
  return { child, pid: child.pid ?? -1, output: () => out, exited: () => done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** TERM every root, wait up to `graceMs` for the whole tree to go, then KILL what is left. */
export async function stopTrees(roots: number[], graceMs = 5000): Promise<void> {
  const everyone = new Set(roots.flatMap((r) => (r > 0 ? processTree(r) : [])));
  for (const pid of roots) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...everyone].some(isAlive)) await sleep(25);
  for (const pid of everyone) if (isAlive(pid)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && [...everyone].some(isAlive)) await sleep(25);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    if (pid > 0) process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
