// Node's cluster module with node:http, and @hono/node-server under cluster.
import path from 'node:path';
import { freePort } from '../ports.js';
import { childrenOf, processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import type { NodeAppKind } from '../servers/app-listener.js';
import { nodeCommand, serverPin } from './by-hand.js';
import { BENCH_SERVER_READY, countMatches } from './ready-lines.js';
import type { BenchContext, Contender, Running } from './types.js';

function clusterContender(id: string, label: string, kind: NodeAppKind): Contender {
  return {
    id,
    label,
    unavailable: () => undefined,
    async start(ctx: BenchContext): Promise<Running> {
      const port = await freePort();
      const script = path.join(ctx.root, 'build/bench/servers/cluster.js');
      const p = spawnServer({ cmd: process.execPath, args: [script, kind, String(port), String(ctx.workers)], cpus: ctx.serverCpus });
      return {
        url: `http://127.0.0.1:${port}`,
        readyCount: () => countMatches(p.output(), BENCH_SERVER_READY),
        pids: () => {
          const all = processTree(p.pid);
          return { all, workers: childrenOf(p.pid) };
        },
        alive: () => !p.exited(),
        output: p.output,
        stop: () => stopTrees([p.pid]),
      };
    },
    byHand: (ctx, port) => `${serverPin(ctx)}${nodeCommand()} build/bench/servers/cluster.js ${kind} ${port} 1`,
  };
}

export const nodeCluster = clusterContender('cluster', 'node cluster + node:http', 'node');
export const honoCluster = clusterContender('hono-cluster', '@hono/node-server under cluster', 'hono');
