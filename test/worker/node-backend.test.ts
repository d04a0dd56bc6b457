// HTTP behaviour of the node backend with fetch and node-style handlers, over real sockets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { killAll, waitFor, waitForOutput } from '../helpers/process.js';
import { request, type Target } from '../helpers/http.js';
import { raw } from '../helpers/raw.js';
import { app, closeFd, servingWorker, tcpListener, workerOnFd, type ServingWorker } from '../helpers/worker.js';

after(killAll);

/** A chunked POST of `chunks` pieces of `size` bytes (a reset rejects: it is not an answer). */
function chunkedPost(target: Target, path: string, chunks: number, size: number) {
  return request(target, path, { method: 'POST', body: Array.from({ length: chunks }, () => Buffer.alloc(size, 97)) });
}

describe('fetch handler on node backend', () => {
  let w: ServingWorker;
  before(async () => {
    w = await servingWorker('node', ['--max-body', '64k'], app('fetch-app.ts'));
  });
  after(() => w.release());

  test('status, headers and bodies are written as the Response says', async () => {
    const bytes = await request(w.target, '/bytes');
    assert.equal(bytes.status, 201);
    assert.equal(bytes.body, 'hi');
    assert.equal(bytes.headers['x-kind'], 'bytes');
    assert.equal(bytes.headers['content-length'], '2');
    const plain = await request(w.target, '/');
    assert.equal(plain.headers['content-type'], 'text/plain;charset=UTF-8');
    const none = await request(w.target, '/no-content');
    assert.equal(none.status, 204);
    assert.equal(none.headers['content-length'], undefined);
  });

  test('multiple Set-Cookie headers stay separate', async () => {
    const r = await request(w.target, '/cookies');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.equal(r.headers['x-multi'], 'p, q');
  });

  test('HEAD gets headers and no body', async () => {
    const r = await request(w.target, '/', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-length'], String(`ok ${w.proc.child.pid}`.length));
  });

  test('the Request carries method, url, headers and body', async () => {
    const h = (await request(w.target, '/headers?x=1', { headers: { 'x-custom': 'yes', 'user-agent': 'cw-test' } })).json();
    assert.deepEqual(h, { ua: 'cw-test', custom: 'yes', host: `127.0.0.1:${w.target.port}`, method: 'GET', url: `http://127.0.0.1:${w.target.port}/headers?x=1` });
    const e = await request(w.target, '/echo', { method: 'POST', body: 'hello body' });
    assert.equal(e.body, 'hello body');
    assert.equal(e.headers['x-method'], 'POST');
  });

  test('ReadableStream bodies are streamed chunked', async () => {
    const r = await request(w.target, '/parts?n=4');
    assert.equal(r.body, 'part0;part1;part2;part3;');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
  });

  test('a handler that throws or returns a non-Response costs one 500, the worker keeps serving', async () => {
    for (const path of ['/throw', '/not-a-response']) {
      const r = await request(w.target, path);
      assert.equal(r.status, 500);
      assert.equal(r.body, 'Internal Server Error\n');
    }
    // Logged before the 500 went out, but the stderr pipe may be read after the HTTP answer.
    await waitForOutput(w.proc, /handler failed on GET \/throw\n.*Error: boom from \/throw/, 10000);
    assert.equal((await request(w.target, '/')).status, 200);
  });

  test('413 for a declared Content-Length over --max-body, without reading it', async () => {
    const reply = await raw(w.target, `POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: ${1024 * 1024}\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 413 /);
  });

  test('413 for a chunked body once it passes --max-body', async () => {
    const r = await chunkedPost(w.target, '/echo', 200, 4096);
    assert.equal(r.status, 413);
    assert.equal((await chunkedPost(w.target, '/echo', 4, 4096)).body.length, 4 * 4096);
  });

  test('a client that goes away aborts the request signal', async () => {
    const req = http.request({ ...w.target, agent: false, path: '/watch-abort?ms=4000' });
    const gone = new Promise<void>((resolve) => req.on('error', () => resolve()));
    req.end();
    await waitFor(async () => (await request(w.target, '/last-abort')).body === 'pending', 'the handler to start', 10000, 50);
    req.destroy();
    await gone;
    await waitFor(async () => (await request(w.target, '/last-abort')).body === 'aborted', 'the abort to reach the handler', 10000, 100);
  });
});

describe('node-style handler on node backend', () => {
  let w: ServingWorker;
  before(async () => {
    w = await servingWorker('node', ['--max-body', '16k'], app('node-app.mjs'));
  });
  after(() => w.release());

  test('sync throw and async rejection each cost one 500', async () => {
    assert.equal((await request(w.target, '/throw')).status, 500);
    assert.equal((await request(w.target, '/reject')).status, 500);
    assert.equal((await request(w.target, '/')).status, 200);
  });

  test('413 for declared and chunked bodies over --max-body', async () => {
    assert.equal((await request(w.target, '/echo', { method: 'POST', body: Buffer.alloc(20000) })).status, 413);
    assert.equal((await chunkedPost(w.target, '/echo', 50, 4096)).status, 413);
    assert.equal((await chunkedPost(w.target, '/echo', 2, 4096)).body.length, 8192);
  });
});

test('SIGTERM lets an in-flight request finish, refuses new work, exits 0', async () => {
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'node', app('fetch-app.ts')]);
    const slow = request(w.target, '/slow?ms=1500&id=t1');
    await waitForOutput(w.proc, /slow-begin t1/);
    w.proc.child.kill('SIGTERM');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow-done t1');
    assert.deepEqual(await w.proc.exited, { code: 0, signal: null });
    assert.match(w.proc.stderr(), /stopping \(SIGTERM\)/);
  } finally {
    closeFd(listener.fd);
  }
});

test('a second signal while draining exits at once, unless it is the first one arriving twice', async () => {
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'node', '--graceful-timeout', '60', '--log-level', 'debug', app('fetch-app.ts')]);
    const slow = request(w.target, '/slow?ms=30000&id=t2').catch(() => null);
    await waitForOutput(w.proc, /slow-begin t2/);
    const first = Date.now();
    w.proc.child.kill('SIGTERM');
    await waitFor(() => /stopping/.test(w.proc.stderr()), 'drain to start');
    // Ctrl-C to the process group plus the supervisor's own signal: one request, still draining.
    w.proc.child.kill('SIGINT');
    await waitForOutput(w.proc, /SIGINT within 1000 ms of the first stop request: same request, still draining/);
    assert.equal(w.proc.child.exitCode, null);
    // The window is a matter of time passing, so wait for the clock itself.
    await waitFor(() => Date.now() - first > 1200, 'the same-request window to pass');
    const t0 = Date.now();
    w.proc.child.kill('SIGINT');
    const { code } = await w.proc.exited;
    assert.equal(code, 1);
    assert.ok(Date.now() - t0 < 10000);
    await slow;
  } finally {
    closeFd(listener.fd);
  }
});

test('--max-requests drains and exits 0 after N requests', async () => {
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'node', '--max-requests', '3', app('fetch-app.ts')]);
    for (let i = 0; i < 3; i++) assert.equal((await request(w.target)).status, 200);
    assert.deepEqual(await w.proc.exited, { code: 0, signal: null });
    assert.match(w.proc.stderr(), /served 3 requests \(--max-requests\)/);
  } finally {
    closeFd(listener.fd);
  }
});
