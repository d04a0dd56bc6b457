// node:http processes sharing one listening fd that the bench created: prefork without a primary.
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import { BENCH_SERVER_READY, countMatches } from './ready-lines.js';
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
    const output = () => procs.map((p) => p.output()).join('');
    return {
      url: `http://127.0.0.1:${sock.port}`,
      readyCount: () => countMatches(output(), BENCH_SERVER_READY),
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
    };
  },
};
