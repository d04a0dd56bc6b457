// Node's fetch classes (undici, ~10 MB of RSS per process) load only in workers that serve a
// fetch handler: node-style and uws-native workers never read Request/Response/Headers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { killAll, ROOT } from '../helpers/process.js';
import { FIXTURES, request, startFixtureWorker } from './uws-support.js';

after(killAll);

async function undiciLoaded(backend: 'node' | 'uws', app: string): Promise<string> {
  const { target, release } = await startFixtureWorker(backend, [], app);
  try {
    const r = await request(target, '/undici');
    assert.equal(r.status, 200);
    return r.body.toString();
  } finally {
    release();
  }
}

test('a node-style worker never loads undici', async () => {
  assert.equal(await undiciLoaded('node', path.join(ROOT, 'test/fixtures/apps/node-app.mjs')), 'false');
});

test('a uws-native worker never loads undici', async () => {
  assert.equal(await undiciLoaded('uws', path.join(FIXTURES, 'native-app.ts')), 'false');
});
