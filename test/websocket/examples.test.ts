// The two WebSocket examples, unchanged, on both backends with the `ws` client: examples/hono-ws.ts
// (Hono with hono/bun's upgradeWebSocket) and examples/chat.ts (Bun-style rooms).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { killAll, ROOT } from '../helpers/process.js';
import { BACKENDS, Client, startWsWorker } from './support.js';

after(killAll);

const HONO_WS = path.join(ROOT, 'examples/hono-ws.ts');
const CHAT = path.join(ROOT, 'examples/chat.ts');

for (const { name, skip } of BACKENDS) {
  describe(`websocket examples (${name})`, { skip }, () => {
    test('examples/hono-ws.ts: hono/bun upgradeWebSocket runs unchanged (text, binary via message.buffer, close event)', async () => {
      const w = await startWsWorker(name, [], {}, HONO_WS);
      try {
        assert.match(await (await fetch(`http://127.0.0.1:${w.port}/`)).text(), /connect a WebSocket to \/ws/);
        const c = await Client.open(w.url('/ws?name=zed'));
        assert.equal(await c.nextText(), 'welcome, zed');
        c.ws.send('hi');
        assert.equal(await c.nextText(), 'zed said: hi');
        c.ws.send(Buffer.from([1, 2, 3, 4]));
        const back = await c.next();
        assert.equal(back.binary, true);
        assert.deepEqual([...(back.data as Buffer)], [4, 3, 2, 1]);
        c.close(4000, 'bye');
        await c.closed;
        await (await import('../helpers/process.js')).waitForOutput(w.proc, /hono-ws: zed left \(4000\)/);
        const plain = await fetch(`http://127.0.0.1:${w.port}/ws`);
        assert.equal(plain.status, 404, 'without an upgrade, hono/bun falls through to the next handler');
      } finally {
        w.release();
      }
    });

    test('examples/chat.ts: a message reaches the others in the room and the sender, not other rooms', async () => {
      const w = await startWsWorker(name, [], {}, CHAT);
      try {
        assert.match(await (await fetch(`http://127.0.0.1:${w.port}/`)).text(), /<title>circus-worker chat<\/title>/);
        const a = await Client.open(w.url('/chat?room=r1&name=ann'));
        assert.equal(await a.nextText(), '* you are ann in r1');
        const b = await Client.open(w.url('/chat?room=r1&name=bob'));
        assert.equal(await b.nextText(), '* you are bob in r1');
        assert.equal(await a.nextText(), '* bob joined');
        const other = await Client.open(w.url('/chat?room=r2&name=eve'));
        await other.next();
        a.ws.send('hello room');
        assert.equal(await b.nextText(), 'ann: hello room');
        assert.equal(await a.nextText(), 'ann: hello room');
        b.close();
        assert.equal(await a.nextText(), '* bob left');
        assert.equal(other.got.length, 1, `the other room got ${JSON.stringify(other.got)}`);
      } finally {
        w.release();
      }
    });
  });
}
