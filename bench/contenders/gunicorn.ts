// gunicorn's prefork (sync workers) serving the WSGI app. Optional (Debian package `gunicorn`).
import path from 'node:path';
import { freePort } from '../ports.js';
import { childrenOf, processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import { serverPin } from './by-hand.js';
import { countMatches } from './ready-lines.js';
import type { BenchContext, Contender, Running } from './types.js';
import { which } from './which.js';

export const gunicorn: Contender = {
  id: 'gunicorn',
  label: 'gunicorn sync workers (WSGI)',
  unavailable: () => (which('gunicorn') ? undefined : 'gunicorn is not installed (apt-get install gunicorn)'),
  async start(ctx: BenchContext): Promise<Running> {
    const port = await freePort();
    const args = ['--workers', String(ctx.workers), '--bind', `127.0.0.1:${port}`, '--chdir', path.join(ctx.root, 'bench/apps'), 'wsgi_app:app'];
    const p = spawnServer({ cmd: which('gunicorn')!, args, cpus: ctx.serverCpus });
    return {
      url: `http://127.0.0.1:${port}`,
      readyCount: () => countMatches(p.output(), /Booting worker with pid/),
      pids: () => {
        const all = processTree(p.pid);
        return { all, workers: childrenOf(p.pid) };
      },
      alive: () => !p.exited(),
      output: p.output,
      stop: () => stopTrees([p.pid]),
    };
  },
  byHand: (ctx, port) => `${serverPin(ctx)}gunicorn --workers 1 --bind 127.0.0.1:${port} --chdir bench/apps wsgi_app:app`,
};
