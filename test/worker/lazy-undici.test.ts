// Node's fetch classes (undici, ~10 MB of RSS per process) load only in workers that serve a
// fetch handler: node-style and uws-native workers never read Request/Response/Headers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { closeFd, createListener } from '../../sys/sockets.js';
import { killAll, ROOT } from '../helpers/process.js';
import { FIXTURES, ready, request, startOnFd } from './uws-support.js';

const fds: number[] = [];
after(async () => {
  await killAll();
  for (const fd of fds) closeFd(fd);
});

async function undiciLoaded(args: string[], urlPath = '/undici'): Promise<string> {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  fds.push(l.fd);
  await ready(startOnFd(l.fd, args));
  const r = await request({ host: '127.0.0.1', port: (l.address as { port: number }).port }, urlPath);
  assert.equal(r.status, 200);
  return r.body.toString();
}

test('a node-style worker never loads undici', async () => {
  assert.equal(await undiciLoaded(['--backend', 'node', path.join(ROOT, 'test/fixtures/apps/node-app.mjs')]), 'false');
});

test('a uws-native worker never loads undici', async () => {
  assert.equal(await undiciLoaded(['--backend', 'uws', path.join(FIXTURES, 'native-app.ts')]), 'false');
});
