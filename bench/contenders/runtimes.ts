// Bun.serve and Deno.serve with the same Hono app: the fast TypeScript servers circus-worker is
// measured against. Their binaries come from npm into a cache outside the clone
// (bench/fetch-runtimes.sh). They cannot serve an inherited fd, so each process binds a port the
// bench picked; N workers share it with SO_REUSEPORT.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../ports.js';
import { spawnServer, type SpawnSpec } from '../server-process.js';
import { serverPin } from './by-hand.js';
import { BENCH_SERVER_READY } from './ready-lines.js';
import { sharedFdGroup } from './shared-fd-group.js';
import type { BenchContext, Contender, Running } from './types.js';

const SCRIPT = 'build/bench/servers/runtime-serve.js';

export const benchCache = (): string => process.env.CIRCUS_BENCH_CACHE || '/var/cache/circus-bench';

interface Runtime {
  id: string;
  label: string;
  /** The binary, relative to the cache. */
  binary: string;
  /** Arguments before the script. */
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const BUN: Runtime = { id: 'bun', label: 'Bun.serve 1.4.4 (Hono)', binary: 'bun-1.4.4/bin/bun', args: [] };
// reusePort is still behind --unstable-net in Deno 2.9.
const DENO: Runtime = {
  id: 'deno',
  label: 'Deno.serve 2.9.6 (Hono)',
  binary: 'deno-2.9.6/deno',
  args: ['run', '--unstable-net', '--allow-net', '--allow-read', '--allow-env'],
  env: { DENO_NO_UPDATE_CHECK: '1' },
};

function runtimeContender(rt: Runtime): Contender {
  const bin = () => path.join(benchCache(), rt.binary);
  return {
    id: rt.id,
    label: rt.label,
    unavailable: () => (fs.existsSync(bin()) ? undefined : `${bin()} is missing (bash bench/fetch-runtimes.sh fetches it)`),
    async start(ctx: BenchContext): Promise<Running> {
      const port = await freePort();
      // Deno caches what it transpiles; keep that in the run's scratch directory.
      const env = { ...rt.env, ...(rt.id === 'deno' ? { DENO_DIR: path.join(ctx.tmpDir, 'deno') } : {}) };
      const spec = (): SpawnSpec => ({ cmd: bin(), args: [...rt.args, path.join(ctx.root, SCRIPT), String(port)], cpus: ctx.serverCpus, cwd: ctx.root, env });
      const procs = Array.from({ length: ctx.workers }, () => spawnServer(spec()));
      return sharedFdGroup(procs, { port, close: () => {} }, BENCH_SERVER_READY);
    },
    byHand: (ctx, port) => `${serverPin(ctx)}${bin()} ${[...rt.args, SCRIPT, port].join(' ')}`,
  };
}

export const bunServe = runtimeContender(BUN);
export const denoServe = runtimeContender(DENO);
