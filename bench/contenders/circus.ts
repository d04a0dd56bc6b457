// circus-worker in its four shapes. Until circus-supervisor is on main, the bench plays the
// supervisor's part: it holds the listening fd and spawns N workers that inherit it as fd 3.
import fs from 'node:fs';
import path from 'node:path';
import { benchSocket } from '../ports.js';
import { processTree } from '../procfs.js';
import { spawnServer, stopTrees, type ServerProcess } from '../server-process.js';
import { countMatches } from './ready-lines.js';
import { UnavailableError, type BenchContext, type Contender, type Running } from './types.js';

type Backend = 'uws' | 'node';
type Handler = 'fetch' | 'node' | 'uws';

const WORKER_READY = /circus-worker\[\d+\] serving/;

function appFile(ctx: BenchContext, handler: Handler): string {
  const name = handler === 'uws' ? 'uws-native.ts' : handler === 'node' ? 'node-handler.ts' : ctx.fetchApp === 'hono' ? 'hono-app.ts' : 'fetch-app.ts';
  return path.join(ctx.root, 'bench/apps', name);
}

function workerCli(ctx: BenchContext): string {
  return path.join(ctx.root, 'build/worker/cli.js');
}

/** Waits until every worker printed its start line, or one of them exited (then: why). */
async function settle(procs: ServerProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.exited());
    if (dead) {
      const why = dead.output().trim().split('\n').filter(Boolean).pop() ?? `exit code ${dead.child.exitCode}`;
      // Exit code 2 is the worker's "bad input / cannot serve this way" (e.g. no native uWS build).
      if (dead.child.exitCode === 2) throw new UnavailableError(why);
      throw new Error(`circus-worker exited during start-up: ${why}`);
    }
    if (countMatches(procs.map((p) => p.output()).join(''), WORKER_READY) >= procs.length) return;
    if (Date.now() > deadline) throw new Error(`circus-worker did not print its start line within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function circusContender(backend: Backend, handler: Handler): Contender {
  return {
    id: `circus-${backend}-${handler === 'uws' ? 'native' : handler}`,
    label: `circus-worker ${backend}+${handler === 'uws' ? 'native' : handler}`,
    unavailable: (ctx) =>
      fs.existsSync(workerCli(ctx)) ? undefined : 'circus-worker is not built yet (build/worker/cli.js is missing)',
    async start(ctx: BenchContext): Promise<Running> {
      const sock = benchSocket();
      const args = [workerCli(ctx), '--fd', '3', '--backend', backend, '--handler', handler, appFile(ctx, handler)];
      const env = { CIRCUS_PARENT_PID: String(process.pid) };
      const procs = Array.from({ length: ctx.workers }, () =>
        spawnServer({ cmd: process.execPath, args, cpus: ctx.serverCpus, fds: [sock.fd], env }),
      );
      const output = () => procs.map((p) => p.output()).join('');
      const stop = async () => {
        await stopTrees(procs.map((p) => p.pid));
        sock.close();
      };
      try {
        await settle(procs, 30_000);
      } catch (err) {
        await stop();
        throw err;
      }
      return {
        url: `http://127.0.0.1:${sock.port}`,
        readyCount: () => countMatches(output(), WORKER_READY),
        pids: () => {
          const all = procs.flatMap((p) => processTree(p.pid));
          return { all, workers: all };
        },
        alive: () => procs.every((p) => !p.exited()),
        output,
        stop,
        note: 'workers spawned by the bench on one inherited fd (no supervisor)',
      };
    },
  };
}

export const circusContenders: Contender[] = [
  circusContender('uws', 'uws'),
  circusContender('uws', 'fetch'),
  circusContender('node', 'fetch'),
  circusContender('node', 'node'),
];
