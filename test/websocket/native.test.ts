// A uws-native app's own app.ws() routes: their sockets are counted (stop line, --max-requests:
// an upgrade is one request, with or without the app's upgrade handler) and a drain closes
// them with 1001, as the worker's own.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { killAll, ROOT } from '../helpers/process.js';
import { Client, startWsWorker, UWS_SKIP } from './support.js';

after(killAll);

const NATIVE = path.join(ROOT, 'test/fixtures/apps/native-app.ts');

describe('uws-native app.ws()', { skip: UWS_SKIP }, () => {
  test('its sockets echo, are counted in the stop line and get 1001 on SIGTERM', async () => {
    const w = await startWsWorker('uws', [], {}, NATIVE);
    try {
      const c = await Client.open(w.url('/ws'));
      c.ws.send('native hi');
      assert.equal(await c.nextText(), 'native hi');
      const u = await Client.open(w.url('/ws-upgrade'));
      assert.equal(await u.nextText(), 'upgraded by the app');
      w.proc.child.kill('SIGTERM');
      assert.equal((await c.closed).code, 1001);
      assert.equal((await u.closed).code, 1001);
      assert.equal((await w.proc.exited).code, 0);
      assert.match(w.proc.stderr(), /closing 2 WebSocket\(s\) with 1001/);
      assert.match(w.stdout(), /native-ws-close 1001/);
    } finally {
      w.release();
    }
  });

  test('--max-requests counts each upgrade, with or without the app\'s upgrade handler', async () => {
    const w = await startWsWorker('uws', ['--max-requests', '2'], {}, NATIVE);
    try {
      const c = await Client.open(w.url('/ws'));
      const u = await Client.open(w.url('/ws-upgrade'));
      assert.equal((await c.closed).code, 1001);
      assert.equal((await u.closed).code, 1001);
      assert.equal((await w.proc.exited).code, 0);
      assert.match(w.proc.stderr(), /served 2 requests \(--max-requests\)/);
    } finally {
      w.release();
    }
  });
});
