// Node's fetch classes (undici, ~5 MB of RSS per worker) load only when something needs them:
// never in node-style and uws-native workers, and in fetch workers only when the app reads what
// the worker's lazy Request / FastResponse cannot answer themselves (Node 20; 22+ loads it anyway).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { app, servingWorker } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';

after(killAll);

// Node 22+ loads undici with node:http and on any look at the Response global: nothing to save there.
const EAGER = Number(process.versions.node.split('.')[0]) >= 22 && `Node ${process.version} loads undici itself`;

async function undiciLoaded(backend: 'node' | 'uws', appFile: string): Promise<string> {
  const { target, release } = await servingWorker(backend, [], appFile);
  try {
    const r = await request(target, '/undici');
    assert.equal(r.status, 200);
    return r.body;
  } finally {
    release();
  }
}

test('a node-style worker never loads undici', { skip: EAGER }, async () => {
  assert.equal(await undiciLoaded('node', app('node-app.mjs')), 'false');
});

test('a uws-native worker never loads undici', { skip: EAGER }, async () => {
  assert.equal(await undiciLoaded('uws', app('native-app.ts')), 'false');
});

const LEAN = app('fetch-lean.mjs');

for (const backend of ['node', 'uws'] as const) {
  test(`${backend}: a fetch app that reads method, url and body text and answers new Response() or Response.json() never loads undici`, { skip: EAGER }, async () => {
    const { target, release } = await servingWorker(backend, [], LEAN);
    try {
      const echo = await request(target, '/echo', { method: 'POST', body: 'hello' });
      assert.equal(echo.status, 200);
      assert.equal(echo.body, 'POST hello');
      assert.equal(echo.headers['x-lean'], '1');
      assert.match(String(echo.headers['content-type']), /^text\/plain/);
      const json = await request(target, '/json');
      assert.equal(json.status, 201);
      assert.equal(json.headers['content-type'], 'application/json');
      assert.equal(json.headers['x-lean'], '1');
      assert.deepEqual(json.json(), { ok: true });
      assert.equal((await request(target, '/undici')).body, 'false');
    } finally {
      release();
    }
  });

  test(`${backend}: instanceof Request and Response hold for the worker's lazy objects and undici's own`, { skip: backend === 'uws' && uwsSkip }, async () => {
    const { target, release } = await servingWorker(backend, [], LEAN);
    try {
      const r = await request(target, '/instanceof', { headers: { 'x-probe': 'p' } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), {
        request: true,
        response: true,
        native: true,
        plain: false,
        tag: '[object Request] [object Response]',
        header: 'p',
      });
      assert.equal((await request(target, '/undici')).body, 'true');
      assert.equal((await request(target, '/json-undefined')).status, 500, 'Response.json(undefined) throws, as undici\'s does');
      const redirect = await request(target, '/redirect');
      assert.equal(redirect.status, 307);
      assert.equal(redirect.headers.location, 'http://example.test/next');
      const native = await request(target, '/native');
      assert.equal(native.status, 202);
      assert.equal(native.statusText, 'Taken');
      assert.equal(native.headers['x-native'], '1');
      assert.equal(native.body, 'native body');
    } finally {
      release();
    }
  });
}
