// chaussette (the WSGI worker from the Circus seed) x N on one inherited fd, as Circus runs it.
// Optional (Debian package `chaussette`). Its default wsgiref backend: the other backends it knows
// either need Python 2 (gevent) or reject an fd with the waitress version Debian 12 ships.
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { spawnServer } from '../server-process.js';
import { sharedFdGroup } from './shared-fd-group.js';
import type { BenchContext, Contender, Running } from './types.js';
import { which } from './which.js';

export const chaussette: Contender = {
  id: 'chaussette',
  label: 'chaussette x N on one fd (WSGI)',
  unavailable: () => (which('chaussette') ? undefined : 'chaussette is not installed (apt-get install chaussette)'),
  byHandWhyNot: 'chaussette serves an inherited fd only',
  async start(ctx: BenchContext): Promise<Running> {
    const bin = which('chaussette')!;
    // wsgiref accepts with blocking calls; several processes on one non-blocking fd would see EAGAIN.
    const sock = benchSocket(true);
    const args = ['--fd', '3', '--backend', 'wsgiref', '--python-path', path.join(ctx.root, 'bench/apps'), 'wsgi_app.app'];
    const procs = Array.from({ length: ctx.workers }, () => spawnServer({ cmd: bin, args, cpus: ctx.serverCpus, fds: [sock.fd] }));
    return {
      ...sharedFdGroup(procs, sock, /Serving on/),
      note: 'backend=wsgiref (single-threaded, HTTP/1.0)',
    };
  },
};
