// node:http processes sharing one listening fd that the bench created: prefork without a primary.
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { spawnServer } from '../server-process.js';
import { BENCH_SERVER_READY } from './ready-lines.js';
import { sharedFdGroup } from './shared-fd-group.js';
import type { BenchContext, Contender, Running } from './types.js';

export const nodeSharedFd: Contender = {
  id: 'node-fd',
  label: 'node:http x N on one inherited fd',
  unavailable: () => undefined,
  async start(ctx: BenchContext): Promise<Running> {
    const sock = benchSocket();
    const script = path.join(ctx.root, 'build/bench/servers/fd-http.js');
    const procs = Array.from({ length: ctx.workers }, () =>
      spawnServer({ cmd: process.execPath, args: [script, 'node'], cpus: ctx.serverCpus, fds: [sock.fd] }),
    );
    return sharedFdGroup(procs, sock, BENCH_SERVER_READY);
  },
};
