// PM2 cluster mode, in a private PM2_HOME so the suite never touches a user's PM2 and can
// `pm2 kill` its own daemon when it is done (or interrupted).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../ports.js';
import { childrenOf, isAlive, processTree } from '../procfs.js';
import { pinned, stopTrees } from '../server-process.js';
import { BENCH_SERVER_READY, countMatches } from './ready-lines.js';
import type { BenchContext, Contender, Running } from './types.js';

function pm2Bin(root: string): string {
  return path.join(root, 'node_modules/.bin/pm2');
}

function pm2(ctx: BenchContext, home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const [cmd, argv] = pinned(ctx.serverCpus, pm2Bin(ctx.root), args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { env: { ...process.env, ...env, PM2_HOME: home }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pm2 ${args[0]} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export const pm2Cluster: Contender = {
  id: 'pm2',
  label: 'PM2 cluster mode + node:http',
  unavailable: (ctx) => (fs.existsSync(pm2Bin(ctx.root)) ? undefined : 'pm2 is not installed (npm install --save-dev pm2)'),
  byHandWhyNot: 'PM2 runs as a daemon (pm2 start), not as one foreground command',
  async start(ctx: BenchContext): Promise<Running> {
    const home = path.join(ctx.tmpDir, 'pm2-home');
    const out = path.join(home, 'app.log');
    fs.mkdirSync(home, { recursive: true });
    const port = await freePort();
    const script = path.join(ctx.root, 'bench/servers/pm2-app.cjs');
    const args = ['start', script, '-i', String(ctx.workers), '--name', 'bench-pm2', '--output', out, '--error', out, '--merge-logs'];
    let daemon = 0;
    const findDaemon = () => (daemon ||= Number(readText(path.join(home, 'pm2.pid')).trim()) || 0);
    const stop = async () => {
      findDaemon();
      await pm2(ctx, home, ['kill']).catch(() => undefined);
      if (daemon) await stopTrees([daemon]);
    };
    try {
      await pm2(ctx, home, args, { BENCH_PORT: String(port) });
    } catch (err) {
      await stop();
      throw err;
    }
    findDaemon();
    return {
      url: `http://127.0.0.1:${port}`,
      readyCount: () => countMatches(readText(out), BENCH_SERVER_READY),
      pids: () => {
        const all = findDaemon() ? processTree(daemon) : [];
        return { all, workers: daemon ? childrenOf(daemon) : [] };
      },
      alive: () => findDaemon() > 0 && isAlive(daemon),
      output: () => readText(out) + readText(path.join(home, 'pm2.log')),
      stop,
    };
  },
};
