// The package as a user gets it: `npm pack` of this checkout, installed into a throwaway app
// folder outside the repository (a package.json without "type", so CommonJS), then the installed
// commands serve a TypeScript app through npx, on the Node that runs this test.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { killAll, ROOT, start, waitFor, waitForOutput, type Spawned } from '../helpers/process.js';
import { gone } from '../helpers/proc-stats.js';
import { request } from '../helpers/http.js';
import { startLoad } from '../helpers/load.js';

const NODE_DIR = path.dirname(process.execPath);
// npm and npx are scripts run by `env node`: this Node first, so they run on it.
const ENV = { ...process.env, PATH: `${NODE_DIR}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
// `npm test` always has npm; a bare `node --test` in a root without npm (the Debian 13 CI root) skips.
const skip = spawnSync('npm', ['--version'], { env: ENV }).status === 0 ? false : 'npm is not on PATH (run it through npm test)';
let tmp = '';
let app = '';
const groups: number[] = [];

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 170_000 });
}

/** Runs a command in its own process group, so npm's `sh -c` and everything under it can be killed. */
function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV): Spawned {
  const p = start(cmd, args, { cwd: app, env, detached: true });
  groups.push(p.child.pid!);
  return p;
}

/** One request on a fresh connection (fetch would keep one alive and meet one worker only). */
async function answer(port: number): Promise<{ version: string; pid: number; ppid: number; greeting: string }> {
  const res = await request({ host: '127.0.0.1', port });
  assert.equal(res.status, 200);
  return res.json();
}

async function refused(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}

const INI = `[circus]
endpoint = tcp://127.0.0.1:0

[socket:web]
host = 127.0.0.1
port = 0

[watcher:web]
cmd = circus-worker --fd $(circus.sockets.web) app.ts
use_sockets = true
numprocesses = 2
`;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pkg-'));
  const t0 = Date.now();
  // `npm test` has just built; the types are the one part of prepack's build it does not make.
  npm(['run', '-s', 'types'], ROOT);
  npm(['pack', '--ignore-scripts', '--pack-destination', tmp], ROOT);
  const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  npm(['init', '-y'], app);
  // npm 11 writes "type": "commonjs"; the case to cover is the older, commoner file with no "type".
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  delete manifest.type;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(app, 'greet.ts'), 'export const greet = (who: string): string => `hello ${who}`;\n');
  fs.writeFileSync(path.join(app, 'app.ts'), [
    "import { greet } from './greet.js';",
    'type Answer = { version: string; pid: number; ppid: number; greeting: string };',
    'export default {',
    '  fetch(_req: Request): Response {',
    "    const body: Answer = { version: process.version, pid: process.pid, ppid: process.ppid, greeting: greet('app') };",
    "    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });",
    '  },',
    '};',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(app, 'app.ini'), INI);
  const t1 = Date.now();
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, tarball)], app);
  const t2 = Date.now();
  // `npm install -g`, into a prefix of our own.
  npm(['install', '-g', '--prefix', path.join(tmp, 'global'), '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, tarball)], tmp);
  process.stderr.write(`# pack ${t1 - t0} ms, install ${t2 - t1} ms, install -g ${Date.now() - t2} ms on Node ${process.version}\n`);
});

after(async () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  await killAll();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the package holds the three commands, their types and docs, and no tests', { skip }, () => {
  const pkg = path.join(app, 'node_modules/circus-worker');
  for (const bin of ['circus-worker', 'circus-supervisor', 'circus-ctl']) assert.ok(fs.existsSync(path.join(app, 'node_modules/.bin', bin)), bin);
  assert.ok(fs.existsSync(path.join(pkg, 'build/types/worker/contract.d.ts')));
  assert.ok(fs.existsSync(path.join(pkg, 'docs/exit-codes.md')));
  for (const absent of ['test', 'bench', 'build/test', 'build/bench', '.ci', 'worker', 'tsconfig.json']) assert.ok(!fs.existsSync(path.join(pkg, absent)), `${absent} is packed`);
  // uWebSockets.js is an optional peer: nothing of it is downloaded.
  assert.ok(!fs.existsSync(path.join(app, 'node_modules/uWebSockets.js')));
  assert.ok(!fs.existsSync(path.join(app, 'node_modules/@trufflesuite')));
});

test('npm install -g gives the three commands on PATH', { skip }, () => {
  const bin = path.join(tmp, 'global/bin');
  for (const cmd of ['circus-worker', 'circus-supervisor', 'circus-ctl']) {
    assert.equal(execFileSync(path.join(bin, cmd), ['--version'], { env: ENV, encoding: 'utf8' }).trim(), JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  }
});

test('npx circus-worker --bind 127.0.0.1:0 app.ts serves the TypeScript app, and stops when npx is sent SIGTERM', { skip }, async () => {
  const w = spawnGroup('npx', ['circus-worker', '--bind', '127.0.0.1:0', 'app.ts']);
  const port = Number((await waitForOutput(w, /serving 127\.0\.0\.1:(\d+) /, 60000))[1]);
  const a = await answer(port);
  assert.equal(a.version, process.version);
  assert.equal(a.greeting, 'hello app');
  // What a process manager or a closing terminal does: SIGTERM to npm only.
  process.kill(w.child.pid!, 'SIGTERM');
  await waitFor(() => gone(a.pid), `worker ${a.pid} to exit after npx got SIGTERM`, 20000);
  assert.ok(await refused(port));
});

test('npx circus-supervisor app.ini serves it from two workers on this Node, and SIGTERM to npx stops them all', { skip }, async () => {
  const s = spawnGroup('npx', ['circus-supervisor', 'app.ini']);
  const port = Number((await waitForOutput(s, /ready: 1 watchers, sockets \[web=127\.0\.0\.1:(\d+)\]/, 60000))[1]);
  await waitForOutput(s, /(serving 127\.0\.0\.1:\d+ \(fd 3\)[^]*){2}/, 60000);
  const pids = new Set<number>();
  let supervisor = 0;
  await waitFor(async () => {
    const a = await answer(port);
    assert.equal(a.version, process.version, 'a worker runs on another Node than the supervisor');
    pids.add(a.pid);
    supervisor = a.ppid;
    return pids.size === 2;
  }, 'answers from both workers', 30000);
  process.kill(s.child.pid!, 'SIGTERM');
  await waitFor(() => gone(supervisor) && [...pids].every(gone), 'the supervisor and its workers to exit after npx got SIGTERM', 30000);
  assert.ok(await refused(port));
});

test('npx circus-worker -w 4 serves from 4 pids on this Node, SIGHUP under load rolls them with 0 failed requests, SIGTERM to npx stops them all', { skip }, async () => {
  const w = spawnGroup('npx', ['circus-worker', '-w', '4', '--bind', '127.0.0.1:0', 'app.ts']);
  const m = await waitForOutput(w, /(\d+)\] serving 127\.0\.0\.1:(\d+) with 4 workers \(pids ([\d ]+)\)/, 60000);
  const [parent, port, first] = [Number(m[1]), Number(m[2]), m[3].split(' ').map(Number)];
  const seen = new Set<number>();
  await waitFor(async () => {
    const a = await answer(port);
    assert.equal(a.version, process.version);
    assert.equal(a.ppid, parent);
    seen.add(a.pid);
    return seen.size === 4;
  }, 'answers from all 4 workers', 30000);
  assert.deepEqual([...seen].sort(), [...first].sort());
  const load = startLoad({ host: '127.0.0.1', port }, { connections: 8, durationMs: 60000, keepAlive: true, timeoutMs: 15000 });
  await load.started;
  process.kill(parent, 'SIGHUP');
  const rolled = (await waitForOutput(w, /rolled: pids ([\d ]+)/, 60000))[1].split(' ').map(Number);
  load.stop();
  const rep = await load.done;
  process.stderr.write(`# installed -w 4, SIGHUP under load: ${rep.sent} requests, ${rep.failed} failed, ${rep.refused} refused\n`);
  assert.equal(rep.failed + rep.refused, 0, JSON.stringify(rep));
  assert.equal(rolled.filter((p) => first.includes(p)).length, 0);
  process.kill(w.child.pid!, 'SIGTERM');
  await waitFor(() => gone(parent) && [...first, ...rolled].every(gone), 'the command and its workers to exit after npx got SIGTERM', 30000);
  assert.ok(await refused(port));
});

test('workers run on the supervisor\'s Node even when PATH finds another node first', { skip }, async () => {
  // /usr/bin first: on this machine its node is Node 20; circus-worker's shebang is `env node`.
  const env = { ...process.env, PATH: `/usr/local/bin:/usr/bin:/bin:${path.join(app, 'node_modules/.bin')}` };
  const s = spawnGroup(process.execPath, [path.join(app, 'node_modules/.bin/circus-supervisor'), 'app.ini'], env);
  const port = Number((await waitForOutput(s, /ready: 1 watchers, sockets \[web=127\.0\.0\.1:(\d+)\]/, 60000))[1]);
  await waitForOutput(s, /serving 127\.0\.0\.1:\d+ \(fd 3\)/, 60000);
  assert.equal((await answer(port)).version, process.version);
  s.child.kill('SIGTERM');
  assert.equal((await s.exited).code, 0);
});
