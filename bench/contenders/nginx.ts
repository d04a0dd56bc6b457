// nginx answering from its config (`return 200` and a static file): the ceiling of what this
// machine can serve over HTTP, not a way to run a Node app. Optional (Debian package `nginx`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../ports.js';
import { childrenOf, processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import type { Scenario } from '../scenarios.js';
import { writeNginxConfig } from '../servers/nginx-conf.js';
import { nodeCommand, serverPin } from './by-hand.js';
import type { BenchContext, Contender, Running } from './types.js';
import { which } from './which.js';

const byHandDir = (port: number | string) => path.join(os.tmpdir(), `bench-nginx-${port}`);

export const nginx: Contender = {
  id: 'nginx',
  label: 'nginx return 200 (ceiling)',
  unavailable: () => (which('nginx') ? undefined : 'nginx is not installed (apt-get install nginx)'),
  skips: (s: Scenario) => (s.id === 'echo' ? 'stock nginx cannot echo a request body' : undefined),
  async start(ctx: BenchContext): Promise<Running> {
    const dir = path.join(ctx.tmpDir, 'nginx');
    const port = await freePort();
    const conf = writeNginxConfig(dir, port, ctx.workers);
    const p = spawnServer({ cmd: which('nginx')!, args: ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], cpus: ctx.serverCpus });
    return {
      url: `http://127.0.0.1:${port}`,
      readyCount: () => undefined,
      pids: () => {
        const all = processTree(p.pid);
        return { all, workers: childrenOf(p.pid) };
      },
      alive: () => !p.exited(),
      output: () => p.output() + (fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''),
      stop: () => stopTrees([p.pid]),
    };
  },
  byHand: (ctx, port) => {
    const dir = byHandDir(port);
    return `${nodeCommand()} build/bench/servers/nginx-conf.js ${dir} ${port} 1 && ${serverPin(ctx)}nginx -p ${dir} -c ${dir}/nginx.conf -e ${dir}/error.log`;
  },
  afterByHand: (port) => fs.rmSync(byHandDir(port), { recursive: true, force: true }),
};
