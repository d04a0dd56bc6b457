// Responses the fetch standard forbids (status outside 200-599, a body on a 204, a reason phrase
// with CR/LF, an invalid header name) cost the app one 500 on both backends — with a proper
// status line — never a malformed response on the wire, and the worker keeps serving.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { app, servingWorker } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';

after(killAll);

const APP = app('fetch-lean.mjs');

for (const backend of ['node', 'uws'] as const) {
  test(`${backend}: forbidden responses answer 500 Internal Server Error, nothing of them on the wire`, { skip: backend === 'uws' && uwsSkip }, async () => {
    const { target, proc: worker, release } = await servingWorker(backend, [], APP);
    try {
      for (const p of ['/status-99', '/status-204-body', '/bad-status-text', '/bad-header-name']) {
        const r = await request(target, p);
        assert.equal(r.status, 500, p);
        assert.equal(r.statusText, 'Internal Server Error', p);
        assert.doesNotMatch(JSON.stringify(r.rawHeaders), /evil|bad name/, p);
      }
      assert.equal((await request(target, '/echo', { method: 'POST', body: 'still' })).body, 'POST still');
      assert.match(worker.stderr(), /handler failed on GET \/status-99[\s\S]*RangeError/);
    } finally {
      release();
    }
  });
}
