// HTTP semantics of fetch handlers on the uws backend: status lines, HEAD, headers, errors,
// request bodies and the limits the worker enforces (uWS itself would accept the input).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, type Spawned } from '../helpers/process.js';
import { UWS_SPLIT_HEADERS } from '../chaos/known-gaps.js';
import { request } from '../helpers/http.js';
import { exchange, raw } from '../helpers/raw.js';
import { servingWorker } from '../helpers/worker.js';
import { chunkedOverLimit } from '../chaos/scenarios/slow-clients.js';
import { uwsSkip } from '../helpers/uws-available.js';

let worker: Spawned;
let target: { host: string; port: number };
let release = () => {};

before(async () => {
  if (uwsSkip) return; // every test here skips: nothing to start
  ({ proc: worker, target, release } = await servingWorker('uws', ['--max-body', '64k']));
});

after(async () => {
  await killAll();
  release();
});

const GET = (p: string) => `GET ${p} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`;

test('status lines carry the app statusText or the standard reason', { skip: uwsSkip }, async () => {
  assert.match(await raw(target, GET('/reason')), /^HTTP\/1\.1 299 Custom Thing\r\n/);
  assert.match(await raw(target, GET('/teapot')), /^HTTP\/1\.1 418 I'm a Teapot\r\n/);
  assert.match(await raw(target, GET('/nowhere')), /^HTTP\/1\.1 404 Not Found\r\n/);
  const nc = await raw(target, GET('/no-content'));
  assert.match(nc, /^HTTP\/1\.1 204 No Content\r\n/);
  assert.doesNotMatch(nc, /content-length|transfer-encoding/i);
});

test('HEAD gets the headers and length of GET but no body', { skip: uwsSkip }, async () => {
  const head = await raw(target, 'HEAD /teapot HTTP/1.1\r\nHost: t\r\n\r\nGET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  const [first, second] = head.split(/(?=HTTP\/1\.1 )/);
  assert.match(first, /^HTTP\/1\.1 418 /);
  assert.match(first, /content-length: 15\r\n/i);
  assert.ok(first.endsWith('\r\n\r\n'), 'no body after the HEAD response headers');
  assert.match(second, /^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\n\d+$/, 'the connection stays usable after HEAD');
  const streamed = await raw(target, 'HEAD /stream?mb=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  assert.match(streamed, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(streamed.endsWith('\r\n\r\n'), 'a streamed body is not sent for HEAD');
});

test('multiple Set-Cookie headers stay separate; an app Content-Length is not doubled', { skip: uwsSkip }, async () => {
  const r = await request(target, '/cookies');
  assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
  assert.equal(r.headers['x-multi'], 'p, q');
  const d = await raw(target, GET('/declared'));
  assert.equal(d.match(/content-length/gi)?.length, 1);
  assert.match(d, /\r\n\r\nabc$/);
});

test('a handler error answers 500 and the worker keeps serving', { skip: uwsSkip }, async () => {
  for (const p of ['/throw', '/reject', '/not-a-response', '/inject']) {
    const r = await request(target, p);
    assert.equal(r.status, 500, p);
    assert.doesNotMatch(JSON.stringify(r.rawHeaders), /evil/);
  }
  assert.equal((await request(target, '/pid')).status, 200);
  assert.match(worker.stderr(), /handler failed on GET \/throw[\s\S]*boom/);
});

test('request bodies arrive whole, declared or chunked', { skip: uwsSkip }, async () => {
  const data = Buffer.alloc(50_000, 7);
  const declared = await request(target, '/digest', { method: 'POST', body: data, headers: { 'content-type': 'application/x-test' } });
  assert.deepEqual(declared.json(), { length: 50_000, sum: (50_000 * 7) % 65521, method: 'POST', type: 'application/x-test' });
  const pieces = [Buffer.alloc(20_000, 1), Buffer.alloc(20_000, 2)];
  const chunked = await request(target, '/digest', { method: 'PUT', body: pieces, headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(chunked.json().length, 40_000);
});

test('bodies over --max-body get 413, declared or streamed in chunks', { skip: uwsSkip }, async () => {
  const declared = await raw(target, 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 70000\r\n\r\n');
  assert.match(declared, /^HTTP\/1\.1 413 /);
  // Chunked: no length up front, the limit trips while data arrives (paced 16 KB chunks, at most 1 MB).
  const r = await chunkedOverLimit(target, worker.child.pid!, 1024 * 1024);
  assert.equal(r.status, 413, `no 413 after ${r.totalIfUnanswered} bytes`);
  assert.ok(r.sentWhenAnswered < 1024 * 1024, `413 only after ${r.sentWhenAnswered} bytes`);
  assert.equal((await request(target, '/pid')).status, 200);
});

test('request headers over 16 KB never reach the app: 431, or a close when they span reads', { skip: uwsSkip }, async () => {
  // One 70 KB write crosses loopback in two segments; if uWS reads them separately its own
  // 4 KB header buffer overflows and it closes before JavaScript runs (see the todo below).
  const reply = await raw(target, `GET /big-header HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
  assert.ok(reply === '' || /^HTTP\/1\.1 431 /.test(reply), `answered ${JSON.stringify(reply.slice(0, 40))}`);
  assert.equal((await request(target, '/seen?path=/big-header')).body, 'false');
  assert.equal((await request(target, '/pid', { headers: { 'x-ok': 'b'.repeat(8000) } })).status, 200);
});

test('request headers over 4 KB arriving in two reads get an answer', { skip: uwsSkip, todo: UWS_SPLIT_HEADERS }, async () => {
  const text = `GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Cookie: ${'c'.repeat(5000)}\r\n\r\n`;
  const reply = (await exchange(target, text, { gapMs: 200, timeoutMs: 2200 })).text;
  assert.match(reply, /^HTTP\/1\.1 200 /);
});

test('a request target over 8 KB gets 414', { skip: uwsSkip }, async () => {
  assert.match(await raw(target, GET(`/pid?${'q'.repeat(10_000)}`)), /^HTTP\/1\.1 414 /);
});

test('ambiguous body framing gets a 400 or a close before the app, and what follows it is never served', { skip: uwsSkip }, async () => {
  const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n';
  for (const framing of ['Content-Length: 4\r\nTransfer-Encoding: chunked', 'Content-Length: 4\r\nContent-Length: 40', 'Content-Length: -1', 'Content-Length: 4x']) {
    const r = await exchange(target, `POST /framed HTTP/1.1\r\nHost: t\r\n${framing}\r\n\r\n0\r\n\r\n${smuggled}`);
    // A close without the 400 when uWS meets the pipelined request while the 400 is pending,
    // or uWS's own error answer (20.57: 505) when what follows does not parse.
    assert.ok(r.closedByServer, `${framing}: the connection was left open`);
    assert.ok(r.statuses.length <= 1 && r.statuses.every((s) => s >= 400), `${framing}: answered ${r.statuses.join() || 'nothing'}, not one error: ${r.text.slice(0, 80)}`);
  }
  for (const path of ['/framed', '/smuggled']) {
    assert.equal((await request(target, `/seen?path=${path}`)).body, 'false', `${path} reached the app`);
  }
});
