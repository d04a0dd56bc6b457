// nginx answering from its config (`return 200` and a static file): the ceiling of what this
// machine can serve over HTTP, not a way to run a Node app. Optional (Debian package `nginx`).
import fs from 'node:fs';
import path from 'node:path';
import { BIG, HELLO, JSON_DOC, JSON_TYPE, TEXT } from '../apps/payloads.js';
import { freePort } from '../ports.js';
import { childrenOf, processTree } from '../procfs.js';
import { spawnServer, stopTrees } from '../server-process.js';
import type { Scenario } from '../scenarios.js';
import type { BenchContext, Contender, Running } from './types.js';
import { which } from './which.js';

function config(dir: string, port: number, workers: number): string {
  const json = JSON.stringify(JSON_DOC);
  if (/[$']/.test(json)) throw new Error('the JSON payload cannot be embedded in an nginx return directive');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
  return `daemon off;
master_process on;
worker_processes ${workers};
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  server {
    listen 127.0.0.1:${port};
    location = /hello { default_type "${TEXT}"; return 200 "${HELLO}"; }
    location = /json { default_type ${JSON_TYPE}; return 200 '${json}'; }
    location = /64k { default_type "${TEXT}"; alias ${dir}/64k.txt; }
  }
}
`;
}

export const nginx: Contender = {
  id: 'nginx',
  label: 'nginx return 200 (ceiling)',
  unavailable: () => (which('nginx') ? undefined : 'nginx is not installed (apt-get install nginx)'),
  skips: (s: Scenario) => (s.id === 'echo' ? 'stock nginx cannot echo a request body' : undefined),
  async start(ctx: BenchContext): Promise<Running> {
    const dir = path.join(ctx.tmpDir, 'nginx');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '64k.txt'), BIG);
    const port = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, config(dir, port, ctx.workers));
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
};
