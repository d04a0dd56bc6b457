// What Hono's own test suite, run against the worker's Request and Response (bench/compat),
// found the worker doing differently from undici, on both backends: a Headers object held across
// the real Response being built lost what was set on it afterwards (and a copy of it lost its
// headers under msw, which tags Headers objects), and `new Request(request)` / `fetch(request)`
// threw inside undici when handed the worker's lazy Request.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { app, servingWorker } from '../helpers/worker.js';
import { BACKENDS } from '../helpers/uws-available.js';

after(killAll);

const APP = app('web-compat.mjs');

for (const backend of BACKENDS) {
  test(`${backend}: Response headers stay one object once the real Response exists, and clone() carries them`, async () => {
    const { target, release } = await servingWorker(backend, [], APP);
    try {
      const held = await request(target, '/held-headers');
      assert.equal(held.status, 200);
      assert.equal(held.body, 'held');
      assert.equal(held.headers['x-before'], '1');
      assert.equal(held.headers['x-after'], '2');
      assert.equal(held.headers['x-same'], 'true');
      const cloned = await request(target, '/clone-headers');
      assert.equal(cloned.body, 'cloned');
      assert.deepEqual([cloned.headers['x-before'], cloned.headers['x-set'], cloned.headers['x-after']], ['1', '1', '2']);
    } finally {
      release();
    }
  });

  test(`${backend}: new Request(request, init) and fetch(request, init) accept the incoming Request`, async () => {
    const { target, release } = await servingWorker(backend, [], APP);
    try {
      const copy = await request(target, '/copy-request?q=1', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
      assert.equal(copy.status, 200, copy.body);
      assert.deepEqual(copy.json(), { url: `http://127.0.0.1:${target.port}/copy-request?q=1`, method: 'POST', body: 'payload', copy: '1', isRequest: true });
      const forwarded = await request(target, '/forward', { method: 'PUT', body: 'along', headers: { 'content-type': 'text/plain' } });
      assert.equal(forwarded.status, 200, forwarded.body);
      assert.equal(forwarded.body, 'forwarded 200: hop PUT along');
    } finally {
      release();
    }
  });
}
