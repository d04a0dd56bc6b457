// chaussette (the WSGI worker from the Circus seed) x N on one inherited fd, as Circus runs it.
// Optional (Debian package `chaussette`). Its default wsgiref backend: the other backends it knows
// either need Python 2 (gevent) or reject an fd with the waitress version Debian 12 ships.
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import { countMatches } from './ready-lines.js';
import type { BenchContext, Contender, Running } from './types.js';
import { which } from './which.js';

export const chaussette: Contender = {
  id: 'chaussette',
  label: 'chaussette x N on one fd (WSGI)',
  unavailable: () => (which('chaussette') ? undefined : 'chaussette is not installed (apt-get install chaussette)'),
  async start(ctx: BenchContext): Promise<Running> {
    const bin = which('chaussette')!;
    // wsgiref accepts with blocking calls; several processes on one non-blocking fd would see EAGAIN.
    const sock = benchSocket(true);
    const args = ['--fd', '3', '--backend', 'wsgiref', '--python-path', path.join(ctx.root, 'bench/apps'), 'wsgi_app.app'];
    const procs = Array.from({ length: ctx.workers }, () => spawnServer({ cmd: bin, args, cpus: ctx.serverCpus, fds: [sock.fd] }));
    const output = () => procs.map((p) => p.output()).join('');
    return {
      url: `http://127.0.0.1:${sock.port}`,
      readyCount: () => countMatches(output(), /Serving on/),
      pids: () => {
        const all = procs.flatMap((p) => processTree(p.pid));
        return { all, workers: procs.filter((p) => !p.exited()).map((p) => p.pid) };
      },
      alive: () => procs.every((p) => !p.exited()),
      output,
      stop: async () => {
        await stopTrees(procs.map((p) => p.pid));
        sock.close();
      },
      note: 'backend=wsgiref (single-threaded, HTTP/1.0)',
    };
  },
};
