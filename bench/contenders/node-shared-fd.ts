// node:http processes sharing one listening fd that the bench created: prefork without a primary.
// With the node handler it is the baseline (plain node:http on an inherited fd); with the Hono
// app through @hono/node-server it is the usual way to run a fetch app on Node.
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { spawnServer } from '../server-process.js';
import type { NodeAppKind } from '../servers/app-listener.js';
import { nodeCommand, serverPin } from './by-hand.js';
import { BENCH_SERVER_READY } from './ready-lines.js';
import { sharedFdGroup } from './shared-fd-group.js';
import type { BenchContext, Contender, Running } from './types.js';

const SCRIPT = 'build/bench/servers/fd-http.js';

function sharedFd(id: string, label: string, kind: NodeAppKind): Contender {
  return {
    id,
    label,
    unavailable: () => undefined,
    async start(ctx: BenchContext): Promise<Running> {
      const sock = benchSocket();
      const procs = Array.from({ length: ctx.workers }, () =>
        spawnServer({ cmd: process.execPath, args: [path.join(ctx.root, SCRIPT), kind], cpus: ctx.serverCpus, fds: [sock.fd] }),
      );
      return sharedFdGroup(procs, sock, BENCH_SERVER_READY);
    },
    byHand: (ctx, port) => `${serverPin(ctx)}${nodeCommand()} ${SCRIPT} ${kind} --bind 127.0.0.1:${port}`,
  };
}

export const nodeSharedFd = sharedFd('node-fd', 'node:http on one inherited fd', 'node');
export const honoSharedFd = sharedFd('hono-fd', '@hono/node-server on one inherited fd', 'hono');
