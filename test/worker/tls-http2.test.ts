// --http2 on the node backend: ALPN h2 with HTTP/1.1 fallback on one port, checked with curl
// --http2 / --http1.1, node:http2 sessions (concurrent streams, drain, --max-requests) and a wss://
// client (WebSockets take the HTTP/1.1 fallback).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { killAll, waitFor, waitForOutput } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { app, closeFd, FETCH_APP, runWorker, tcpListener, workerOnFd, type FdWorker } from '../helpers/worker.js';
import { BACKENDS } from '../helpers/uws-available.js';
import { curl, TestPki, wssEcho, type Leaf } from '../helpers/tls.js';

after(killAll);

let tmp: string;
let pki: TestPki;
let leaf: Leaf;
const listeners: number[] = [];
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-h2-'));
  pki = new TestPki(tmp);
  leaf = pki.server('localhost', ['localhost', '127.0.0.1']);
});
after(() => {
  for (const fd of listeners) closeFd(fd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function worker(args: string[], appFile = FETCH_APP): Promise<FdWorker & { port: number }> {
  const listener = tcpListener();
  listeners.push(listener.fd);
  const w = await workerOnFd(listener, ['--http2', '--certfile', leaf.chain, '--keyfile', leaf.key, ...args, appFile]);
  assert.equal(w.backend, 'node');
  return { ...w, port: (w.target as { port: number }).port };
}

/** One HTTP/2 session (node:http2 client) trusting the test root. */
function session(port: number): http2.ClientHttp2Session {
  const s = http2.connect(`https://localhost:${port}`, { ca: fs.readFileSync(pki.root) });
  s.on('error', () => {});
  return s;
}

function get(s: http2.ClientHttp2Session, urlPath: string, body?: string): Promise<{ status: number; body: string; headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = s.request({ ':path': urlPath, ':method': body === undefined ? 'GET' : 'POST' });
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let text = '';
    req.on('response', (h) => ((headers = h), (status = Number(h[':status']))));
    req.on('data', (d) => (text += d));
    req.on('end', () => resolve({ status, body: text, headers }));
    req.on('error', reject);
    req.setTimeout(20000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.end(body);
  });
}

test('curl --http2 and --http1.1 on one port: fetch app sees https:// and Host, bodies both ways, streaming, 413, 500', async () => {
  const w = await worker(['--max-body', '1m']);
  const base = `https://localhost:${w.port}`;
  const h2 = ['--http2', '-w', '\\n%{http_version} %{http_code}'];
  const r = await curl(`${base}/headers`, pki.root, h2);
  assert.equal(r.code, 0, r.stderr);
  const [json, status] = r.stdout.split('\n');
  assert.equal(status, '2 200');
  assert.deepEqual([JSON.parse(json).url, JSON.parse(json).host], [`${base}/headers`, `localhost:${w.port}`]);
  const old = await curl(`${base}/url`, pki.root, ['--http1.1', '-w', '\\n%{http_version} %{http_code}']);
  assert.equal(old.stdout, `${base}/url\n1.1 200`);
  const echo = await curl(`${base}/echo`, pki.root, [...h2, '--data-binary', 'hello over h2']);
  assert.equal(echo.stdout, 'hello over h2\n2 200');
  const stream = await curl(`${base}/stream?mb=2`, pki.root, ['--http2', '-o', '/dev/null', '-w', '%{http_version} %{http_code} %{size_download}']);
  assert.equal(stream.stdout, `2 200 ${2 * 1024 * 1024}`);
  const big = path.join(tmp, 'big.bin');
  fs.writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 120));
  const tooLarge = await curl(`${base}/echo`, pki.root, ['--http2', '--data-binary', `@${big}`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}']);
  assert.equal(tooLarge.stdout, '2 413');
  const boom = await curl(`${base}/throw`, pki.root, ['--http2', '-o', '/dev/null', '-w', '%{http_version} %{http_code}']);
  assert.equal(boom.stdout, '2 500');
  // The worker is still serving on the same session kind after all that.
  assert.equal((await curl(`${base}/url`, pki.root, h2)).stdout, `${base}/url\n2 200`);
  assert.doesNotMatch(w.proc.stderr(), /UnsupportedWarning/);
});

test('a node-style app over HTTP/2 and HTTP/1.1, with req.headers.host', async () => {
  const w = await worker([], app('tls-node-app.mjs'));
  for (const v of ['--http2', '--http1.1']) {
    const r = await curl(`https://localhost:${w.port}/n`, pki.root, [v]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { url: '/n', encrypted: true, verified: null, subject: null });
  }
});

test('20 concurrent streams on one session; the health path; a wss:// client on the HTTP/1.1 fallback', async () => {
  const w = await worker(['--health-path', '/healthz'], app('tls-app.mjs'));
  const s = session(w.port);
  try {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => get(s, `/slow?ms=${100 + i}`)));
    assert.deepEqual(replies.map((r) => r.status), Array(20).fill(200));
    const health = await get(s, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).state, 'serving');
  } finally {
    s.close();
  }
  assert.equal(await wssEcho(`wss://localhost:${w.port}/ws`, { ca: fs.readFileSync(pki.root) }, 'h2 port'), 'echo:h2 port');
});

test('drain: SIGTERM lets a stream under way finish, the session gets GOAWAY, the worker exits 0', async () => {
  const w = await worker([], app('tls-app.mjs'));
  const s = session(w.port);
  const goaway = new Promise<void>((resolve) => s.once('goaway', () => resolve()));
  try {
    assert.equal((await get(s, '/')).status, 200);
    const slow = get(s, '/slow?ms=1500&mark=drain');
    // Only once the app has it: a stream that reaches a draining worker is refused, as it should be.
    await waitForOutput(w.proc, /slow started drain/);
    w.proc.child.kill('SIGTERM');
    await goaway;
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow');
    assert.deepEqual(await w.proc.exited, { code: 0, signal: null });
  } finally {
    s.destroy();
  }
});

test('--max-requests counts HTTP/2 streams: after 5 the worker drains and exits 0, every stream answered', async () => {
  const w = await worker(['--max-requests', '5'], app('tls-app.mjs'));
  const s = session(w.port);
  try {
    const replies = await Promise.all(Array.from({ length: 5 }, () => get(s, '/slow?ms=200')));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.deepEqual(await w.proc.exited, { code: 0, signal: null });
    assert.match(w.proc.stderr(), /served 5 requests/);
  } finally {
    s.destroy();
  }
});

/** From the supervisor's /metrics (Prometheus text): http_requests_total per code, and the abandoned ones as code 0. */
async function requestTotals(metrics: string): Promise<Record<string, number>> {
  const text = (await request(targetOf(metrics), '/metrics', { agent: false })).body;
  const totals: Record<string, number> = {};
  for (const m of text.matchAll(/^http_requests_total\{[^}]*code="(\d+)"[^}]*\} (\d+)$/gm)) totals[m[1]] = Number(m[2]);
  const abandoned = /^http_requests_abandoned_total\{[^}]*\} (\d+)$/m.exec(text);
  if (abandoned && abandoned[1] !== '0') totals['0'] = Number(abandoned[1]);
  return totals;
}

// Before this test a finished stream that node closed with STREAM_CLOSED (curl's earlier
// streams on a session, whose responses carry a content-length) counted as status 0.
test('under -w, /metrics and the access log count every HTTP/2 stream by its status; a stream the client cancels is abandoned (0)', async () => {
  const proc = runWorker(['-w', '2', '--bind', '127.0.0.1:0', '--metrics-endpoint', 'tcp://127.0.0.1:0', '--access-log', '--http2', '--certfile', leaf.chain, '--keyfile', leaf.key, app('tls-app.mjs')]);
  const [, port, metrics] = await waitForOutput(proc, /serving https:\/\/127\.0\.0\.1:(\d+) with 2 workers.*metrics tcp:\/\/(127\.0\.0\.1:\d+)/, 60000);
  // Both workers fall back to node alike; worker 1 says so, once.
  assert.equal(proc.stderr().match(/serving with the node backend: uWebSockets\.js cannot serve --http2/g)?.length, 1, proc.stderr());
  const base = `https://localhost:${port}`;
  // curl: twenty streams on one session (on the old code 8-17 of 60 such streams counted as 0),
  // then two HTTP/1.1 requests on one connection.
  const paths = Array.from({ length: 20 }, (_, i) => `/c${i}`);
  const h2 = await curl(`${base}${paths[0]}`, pki.root, ['--http2', ...paths.flatMap(() => ['-o', '/dev/null']), '-w', '%{http_version} %{http_code}\\n', ...paths.slice(1).map((p) => base + p)]);
  assert.equal(h2.stdout, '2 200\n'.repeat(20), h2.stderr);
  const h1 = await curl(`${base}/d`, pki.root, ['--http1.1', '-o', '/dev/null', '-o', '/dev/null', '-w', '%{http_version} %{http_code}\\n', `${base}/e`]);
  assert.equal(h1.stdout, '1.1 200\n1.1 200\n', h1.stderr);
  const s = http2.connect(base, { ca: fs.readFileSync(pki.root) });
  s.on('error', () => {});
  try {
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => get(s, `/n${i}`)));
    assert.deepEqual(replies.map((r) => r.status), Array(10).fill(200));
    // Cancelled while the app is still working on it: answered to nobody.
    const cancelled = s.request({ ':path': '/slow?ms=1500' });
    cancelled.on('error', () => {});
    cancelled.end();
    await waitForOutput(proc, /"GET \/n9"/, 20000);
    setTimeout(() => cancelled.close(http2.constants.NGHTTP2_CANCEL), 200);
    const totals = await waitFor(async () => {
      const t = await requestTotals(metrics);
      return t['200'] === 32 && t['0'] === 1 ? t : undefined;
    }, 'http_requests_total{code="200"} 32 and http_requests_abandoned_total 1', 20000, 200).catch(async (err) => {
      throw new Error(`${err.message}: ${JSON.stringify(await requestTotals(metrics))}\n${proc.stderr()}`);
    });
    assert.deepEqual(totals, { 200: 32, 0: 1 });
    const log = proc.stdout() + proc.stderr();
    for (const p of [...paths, '/d', '/e']) assert.match(log, new RegExp(`"GET ${p}" 200 `));
    assert.match(log, /"GET \/slow\?ms=1500" 0 /);
  } finally {
    s.destroy();
    proc.child.kill('SIGTERM');
  }
  assert.equal((await proc.exited).code, 0);
});

test('--http2: auto picks node and says why; --backend uws is exit 2; without --certfile exit 2', async () => {
  if (BACKENDS.includes('uws')) {
    const w = await worker([], app('tls-app.mjs'));
    assert.match(w.proc.stderr(), /serving with the node backend: uWebSockets\.js cannot serve --http2 \(uWebSockets\.js has no HTTP\/2\)/);
    const p = runWorker(['--bind', '127.0.0.1:0', '--backend', 'uws', '--http2', '--certfile', leaf.chain, '--keyfile', leaf.key, app('tls-app.mjs')]);
    assert.equal((await p.exited).code, 2);
    assert.match(p.stderr(), /the uws backend cannot serve --http2/);
  }
  const plain = runWorker(['--bind', '127.0.0.1:0', '--http2', app('tls-app.mjs')]);
  assert.equal((await plain.exited).code, 2);
  assert.match(plain.stderr(), /--http2 given without --certfile and --keyfile/);
});
