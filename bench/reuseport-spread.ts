// How evenly keep-alive connections spread over 4 workers: one shared listening socket vs
// so_reuseport = true (a socket per worker). circus-supervisor runs 4 circus-workers with a
// counting app, pinned to the server CPUs; wrk (pinned to the generator CPUs) holds N keep-alive
// connections for a while; each worker writes how many requests it answered when it exits.
//   node build/bench/reuseport-spread.js [--seconds 10] [--rounds 3] [--connections 8,64]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnServer } from './server-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8,64' },
    'server-cpus': { type: 'string', default: '0' },
    'generator-cpus': { type: 'string', default: '1' },
  },
});
const WORKERS = 4;

interface Run {
  mode: 'shared' | 'per-worker';
  connections: number;
  rps: number;
  perWorker: number[];
}

function wrk(port: number, connections: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-c', values['generator-cpus']!, 'wrk', '-t2', `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`], (err, out) => {
      if (err) return reject(err);
      resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
    });
  });
}

async function run(mode: Run['mode'], connections: number, seconds: number): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-spread-'));
  fs.writeFileSync(path.join(dir, 'circus.ini'), `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
cmd = circus-worker --fd $(circus.sockets.web) --log-level warn ${path.join(ROOT, 'bench/apps/count-app.mjs')}
use_sockets = true
numprocesses = ${WORKERS}
env = COUNT_DIR=${dir}
timeout = 0

[socket:web]
host = 127.0.0.1
port = 0
so_reuseport = ${mode === 'per-worker'}
`);
  const sup = spawnServer({ cmd: process.execPath, args: [path.join(ROOT, 'build/supervisor/cli.js'), path.join(dir, 'circus.ini')], cpus: values['server-cpus'] });
  try {
    const port = await until(() => Number(/sockets \[web=127\.0\.0\.1:(\d+)\]/.exec(sup.output())?.[1]) || undefined, 'the supervisor to be ready');
    await until(() => (sup.output().match(/circus-worker\[\d+\] serving/g) ?? []).length >= WORKERS || undefined, 'the workers to serve');
    const rps = await wrk(port, connections, seconds);
    sup.child.kill('SIGTERM');
    await until(() => sup.exited() || undefined, 'the supervisor to stop');
    const perWorker = fs.readdirSync(dir).filter((f) => /^\d+$/.test(f)).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
    return { mode, connections, rps, perWorker: perWorker.sort((a, b) => b - a) };
  } finally {
    if (!sup.exited()) sup.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function until<T>(f: () => T | undefined, what: string, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function row(r: Run): string {
  const total = r.perWorker.reduce((a, b) => a + b, 0);
  const shares = r.perWorker.map((n) => `${((100 * n) / total).toFixed(0)}%`).join(' / ');
  const idle = WORKERS - r.perWorker.filter((n) => n > 0).length;
  return `| ${r.mode} | ${r.connections} | ${Math.round(r.rps)} | ${shares} | ${idle} |`;
}

const seconds = Number(values.seconds);
const out = ['| socket | connections | req/s | requests per worker, busiest first | idle workers |', '| --- | --- | --- | --- | --- |'];
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const c of values.connections!.split(',').map(Number)) {
    for (const mode of ['shared', 'per-worker'] as const) {
      const r = await run(mode, c, seconds);
      out.push(row(r));
      process.stderr.write(`round ${round}: ${row(r)}\n`);
    }
  }
}
process.stdout.write(`${out.join('\n')}\n(4 workers on CPU ${values['server-cpus']}, wrk -t2 on CPU ${values['generator-cpus']}, ${seconds} s per run, ${os.loadavg()[0].toFixed(1)} load average at the end)\n`);
