// Reading a request body in a fetch handler, on both backends: arrayBuffer/text/json/bytes go
// straight from the connection (no web stream) and must behave as Request's own do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { raw } from '../helpers/raw.js';
import { servingWorker } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';

after(killAll);

const post = (target: { host: string; port: number }, as: string, body: string | Buffer[], headers: Record<string, string> = {}) =>
  request(target, `/read?as=${as}`, { method: 'POST', body, headers }).then((r) => ({ status: r.status, json: r.status === 200 ? r.json() : r.body }));

for (const backend of ['node', 'uws'] as const) {
  describe(`request bodies on the ${backend} backend`, { skip: backend === 'uws' && uwsSkip }, () => {
    let target: { host: string; port: number };
    let release = () => {};
    before(async () => {
      ({ target, release } = await servingWorker(backend, ['--max-body', '64k']));
    });
    after(() => release());

    test('text() decodes UTF-8 and drops a BOM; a second read fails; bodyUsed follows', async () => {
      const r = await post(target, 'text', '\uFEFFgrüße ✓');
      assert.deepEqual(r.json, { value: 'grüße ✓', before: false, after: true, second: 'TypeError' });
    });

    test('json() parses, and a malformed body rejects in the app (its 500, not the worker crashing)', async () => {
      assert.deepEqual((await post(target, 'json', '{"a":[1,2]}')).json.value, { a: [1, 2] });
      assert.equal((await post(target, 'json', '{nope')).status, 500);
      assert.equal((await request(target, '/pid')).status, 200);
    });

    test('arrayBuffer() is an ArrayBuffer of exactly the body, also for small and chunked bodies', async () => {
      for (const body of ['x', 'y'.repeat(3000), ['ab', 'cd', 'e'.repeat(40_000)]] as Array<string | string[]>) {
        const expected = Array.isArray(body) ? body.join('') : body;
        const r = await post(target, 'arrayBuffer', Array.isArray(body) ? body.map((s) => Buffer.from(s)) : body);
        assert.deepEqual(r.json.value, { isArrayBuffer: true, byteLength: expected.length, text: expected });
      }
    });

    test('bytes() and the stream give the same body', async () => {
      assert.deepEqual((await post(target, 'bytes', 'z'.repeat(5000))).json.value, { isUint8Array: true, byteLength: 5000 });
      assert.equal((await post(target, 'stream', [Buffer.from('st'), Buffer.from('ream')])).json.value, 'stream');
    });

    test('a chunked body over --max-body read with arrayBuffer() gets 413 and the worker serves on', async () => {
      // A reset is not a 413: the worker drains the rest of the body so the client reads its answer.
      const big = Array.from({ length: 10 }, () => Buffer.alloc(16 * 1024, 120));
      const r = await request(target, '/read?as=arrayBuffer', { method: 'POST', body: big });
      assert.equal(r.status, 413);
      assert.equal((await request(target, '/pid')).status, 200);
    });

    test('a 2 MB chunked body sent in one go over --max-body gets its 413 every time, not a reset', async () => {
      // The worker must read (and drop) what is still coming before it closes: closing on unread
      // bytes makes the kernel reset the connection, often before the client has read the 413.
      const chunk = Buffer.alloc(64 * 1024, 120);
      const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
      const upload = Buffer.concat([Buffer.from('POST /read?as=arrayBuffer HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n'), ...Array(32).fill(frame), Buffer.from('0\r\n\r\n')]);
      const answers: string[] = [];
      for (let i = 0; i < 20; i++) answers.push((await raw(target, upload.toString('latin1'), 10_000)).slice(0, 12));
      assert.deepEqual(answers.filter((a) => a !== 'HTTP/1.1 413'), [], 'lost 413s');
      assert.equal((await request(target, '/pid')).status, 200);
    });

    test('an empty POST reads as empty', async () => {
      assert.deepEqual((await post(target, 'arrayBuffer', '')).json.value, { isArrayBuffer: true, byteLength: 0, text: '' });
    });

    test('ArrayBuffer and DataView response bodies are sent whole with their length', async () => {
      for (const [as, body] of [['buffer', 'abcdef'], ['view', 'bcd']]) {
        const reply = await raw(target, `GET /buffer-body?as=${as} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
        assert.match(reply, new RegExp(`content-length: ${body.length}\\r\\n`, 'i'));
        assert.ok(reply.endsWith(`\r\n\r\n${body}`), reply);
      }
    });
  });
}
