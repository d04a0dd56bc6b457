// Graceful shutdown, request counting, uws-native apps, and the ways the uws backend can be
// unavailable (missing module, JavaScript fallback, node-style handler).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { connect } from '../helpers/raw.js';
import os from 'node:os';
import path from 'node:path';
import { closeFd, createListener } from '../../sys/sockets.js';
import { killAll, ROOT, start, waitFor, waitForOutput } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { app, FETCH_APP, ready, runWorkerOnFd, WORKER_CLI as CLI } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';

after(killAll);

function listener() {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  return { fd: l.fd, target: { host: '127.0.0.1', port: (l.address as { port: number }).port } };
}

/** A keep-alive connection that has served one request and now sits idle. */
async function idleConnection(target: { host: string; port: number }): Promise<{ closed: Promise<void> }> {
  const socket = connect(target);
  let data = '';
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (d) => (data += d));
  socket.write('GET /pid HTTP/1.1\r\nHost: t\r\n\r\n');
  await waitFor(() => /\r\n\r\n\d+$/.test(data), 'the keep-alive response');
  return { closed };
}

test('SIGTERM drains: the in-flight request finishes, idle keep-alive connections close, exit 0', { skip: uwsSkip }, async () => {
  const { fd, target } = listener();
  try {
    const w = runWorkerOnFd(fd, ['--backend', 'uws', '--graceful-timeout', '20', FETCH_APP]);
    await ready(w);
    const idle = await idleConnection(target);
    // A keep-alive client: the server's Connection: close is what is being checked.
    const agent = new http.Agent({ keepAlive: true });
    const slow = request(target, '/slow?ms=1500&id=a', { agent });
    await waitForOutput(w, /slow-begin a/);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow-done a');
    assert.equal(r.headers.connection, 'close');
    await idle.closed;
    const exit = await w.exited;
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - t0 < 15000, 'drained well before the graceful timeout');
    assert.match(w.stderr(), /stopping \(SIGTERM\)/);
  } finally {
    closeFd(fd);
  }
});

test('a request body that stops arriving is cut after --idle-timeout', { skip: uwsSkip }, async () => {
  const { fd, target } = listener();
  try {
    const w = runWorkerOnFd(fd, ['--backend', 'uws', '--idle-timeout', '1', FETCH_APP]);
    await ready(w);
    const t0 = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(target).on('connect', () => socket.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc'));
      socket.resume();
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now() - t0));
    });
    assert.ok(closedAfter >= 900 && closedAfter < 8000, `closed after ${closedAfter} ms`);
    assert.equal((await request(target, '/pid')).status, 200);
    assert.doesNotMatch(w.stderr(), /handler failed/);
  } finally {
    closeFd(fd);
  }
});

test('--max-requests counts requests on uws and exits 0 after them', { skip: uwsSkip }, async () => {
  const { fd, target } = listener();
  try {
    const w = runWorkerOnFd(fd, ['--backend', 'uws', '--max-requests', '3', '--access-log', FETCH_APP]);
    await ready(w);
    for (let i = 0; i < 3; i++) assert.equal((await request(target, `/pid?n=${i}`)).status, 200);
    assert.equal((await w.exited).code, 0);
    assert.equal(w.stdout().match(/"GET \/pid\?n=\d" 200/g)?.length, 3);
  } finally {
    closeFd(fd);
  }
});

test('uws-native apps get the raw app; the worker still counts, logs and drains', { skip: uwsSkip }, async () => {
  const { fd, target } = listener();
  try {
    const example = runWorkerOnFd(fd, ['--access-log', path.join(ROOT, 'examples/uws-app.ts')]);
    assert.equal(await ready(example), 'uws');
    assert.match(example.stderr(), /handler=uws/);
    const hello = await request(target, '/');
    assert.equal(hello.body, 'Hello from uWebSockets.js\n');
    assert.equal((await request(target, '/later')).body, 'answered later\n');
    assert.equal((await request(target, '/missing')).status, 404);
    await waitFor(() => example.stdout().match(/"GET \/missing" 404/), 'the access log line');
    example.child.kill('SIGTERM');
    assert.equal((await example.exited).code, 0);

    const w = runWorkerOnFd(fd, ['--backend', 'uws', app('native-app.ts')]);
    await ready(w);
    const slow = request(target, '/slow?ms=1000', { agent: new http.Agent({ keepAlive: true }) });
    await waitForOutput(w, /native-slow-begin/);
    w.child.kill('SIGTERM');
    const r = await slow;
    assert.equal(r.status, 202);
    assert.equal(r.headers.connection, 'close');
    assert.equal((await w.exited).code, 0);
  } finally {
    closeFd(fd);
  }
});

function bindWorker(args: string[], env: NodeJS.ProcessEnv = {}) {
  return start(process.execPath, [CLI, '--bind', '127.0.0.1:0', ...args], { env: { ...process.env, ...env } });
}

test('a missing uWS module: auto falls back to node with one warning, --backend uws exits 2', async () => {
  const auto = bindWorker(['--uws-module', 'no-such-uws-build', FETCH_APP]);
  assert.equal(await ready(auto), 'node');
  const warnings = auto.stderr().split('\n').filter((l) => /warn/.test(l));
  assert.equal(warnings.length, 1, auto.stderr());
  assert.match(warnings[0], /uWebSockets\.js unavailable: cannot find module 'no-such-uws-build'/);
  auto.child.kill('SIGTERM');
  await auto.exited;

  const explicit = bindWorker(['--backend', 'uws', FETCH_APP], { CIRCUS_UWS_MODULE: '/nonexistent/uws.js' });
  const exit = await explicit.exited;
  assert.equal(exit.code, 2);
  assert.match(explicit.stderr(), /--backend uws is unavailable: module '\/nonexistent\/uws\.js' cannot load on Node v[\d.]+ .*: Cannot find module/);
  assert.doesNotMatch(explicit.stderr(), /\n\s+at /, 'no stack trace');
});

test('a uWS build whose binary does not load: the error gives the binary\'s own reason, not only the loader\'s', async () => {
  // uWebSockets.js's loader hides why its binary failed (a newer glibc, a broken file) behind
  // "supports only Node.js versions …"; the worker tries the binary itself to say why.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-uws-broken-'));
  try {
    const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
    fs.writeFileSync(path.join(dir, binary), 'not an ELF file\n');
    fs.writeFileSync(
      path.join(dir, 'uws.js'),
      `try { module.exports = require('./${binary}'); } catch { throw new Error('This version of uWS.js supports only Node.js versions 20 and 22'); }\n`,
    );
    const explicit = bindWorker(['--backend', 'uws', '--uws-module', path.join(dir, 'uws.js'), FETCH_APP]);
    assert.equal((await explicit.exited).code, 2);
    assert.match(explicit.stderr(), /cannot load on Node v[\d.]+ \(ABI \d+, [\w-]+\): uws_\w+_\d+\.node: .*(invalid ELF header|too short)/);
    assert.doesNotMatch(explicit.stderr(), /supports only/, 'the loader\'s cover story is replaced by the binary\'s reason');
    assert.doesNotMatch(explicit.stderr(), /\n\s+at /, 'no stack trace');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a uWS build that falls back to JavaScript counts as unavailable', async () => {
  // The npm build serves from a slow JS imitation when asked to (or when it has no binary).
  // The bundled build has the fallback (current official builds do not): named whatever the run's build.
  const explicit = bindWorker(['--backend', 'uws', FETCH_APP], { UWS_USE_FALLBACK: '1', CIRCUS_UWS_MODULE: undefined });
  assert.equal((await explicit.exited).code, 2);
  assert.match(explicit.stderr(), /@trufflesuite\/uws-js-unofficial@20\.30\.0-unofficial\.0 cannot load on Node v[\d.]+.*(no binary for ABI \d+|slow JavaScript imitation).*JavaScript fallback is not served.*for the uws backend here: npm install uWebSockets\.js@github:uNetworking\/uWebSockets\.js#v20\.(52|67)\.0/);
  const auto = bindWorker([FETCH_APP], { UWS_USE_FALLBACK: '1', CIRCUS_UWS_MODULE: undefined });
  assert.equal(await ready(auto), 'node');
  assert.equal(auto.stderr().split('\n').filter((l) => l.trim()).length, 2, `one warning and the start line: ${auto.stderr()}`);
  assert.equal(auto.stdout(), '', 'the fallback notice printed by the module is not let through');
  auto.child.kill('SIGTERM');
  await auto.exited;
});

test('node-style handlers are refused by --backend uws (exit 2) and served by auto', async () => {
  const nodeStyle = app('node-style.cjs');
  const refused = bindWorker(['--backend', 'uws', nodeStyle]);
  assert.equal((await refused.exited).code, 2);
  assert.match(refused.stderr(), /node-style \(req, res\) handlers are not served by the uws backend/);
  const auto = bindWorker([nodeStyle]);
  assert.equal(await ready(auto), 'node');
  auto.child.kill('SIGTERM');
  await auto.exited;
});
