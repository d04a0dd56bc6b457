// Describing the run: machine, software versions, commit.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** stdout (or stderr, where tools like nginx -v print) of a command that succeeded, else undefined. */
function tryRun(cmd: string, args: string[], cwd?: string): string | undefined {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  return (r.stdout.trim() || r.stderr.trim()) || undefined;
}

function tryRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The checkout's short commit, 'unknown' outside git. */
export function currentCommit(root: string): string {
  return tryRun('git', ['rev-parse', '--short', 'HEAD'], root) ?? 'unknown';
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGB: number;
  kernel: string;
  os: string;
  node: string;
  commit: string;
  dirty: boolean;
  tools: Record<string, string | undefined>;
}

export function describeMachine(root: string): MachineInfo {
  const osRelease = tryRead('/etc/os-release')?.match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1];
  // Earlier results in bench/results do not change what is measured; only code changes count.
  const status = tryRun('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results'], root) ?? '';
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version as string;
    } catch {
      return undefined;
    }
  };
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: osRelease ?? os.platform(),
    node: process.version,
    commit: currentCommit(root),
    dirty: status.length > 0,
    tools: {
      autocannon: pkg('autocannon'),
      'uWebSockets.js': pkg('uWebSockets.js'),
      hono: pkg('hono'),
      '@hono/node-server': pkg('@hono/node-server'),
      pm2: pkg('pm2'),
      nginx: tryRun('nginx', ['-v'])?.replace(/^nginx version: /, ''),
      wrk: tryRun('wrk', ['-v'])?.split('\n')[0].split(' ')[1],
      gunicorn: tryRun('gunicorn', ['--version'])?.replace(/^gunicorn \(version ([^)]*)\)$/, '$1'),
      python: tryRun('/usr/bin/python3', ['--version'])?.replace('Python ', ''),
    },
  };
}
