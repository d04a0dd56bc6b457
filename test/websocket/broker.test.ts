// --pubsub: WebSocket topics across separate worker processes through a real redis-server that
// each test starts on a free loopback port. Clients on one worker receive, exactly once and in
// order, what clients and server.publish on another publish; text stays text and binary stays
// binary; the worker listens on the broker only to topics with subscribers here.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { killAll, waitFor } from '../helpers/process.js';
import { flush, member, pubsubOf, seen, withPair } from './broker-support.js';
import { BACKENDS, Client } from './support.js';

after(killAll);

for (const { name, skip } of BACKENDS) {
  describe(`websocket topics across workers, --pubsub (${name})`, { skip }, () => {
    test('a client on worker A gets what clients and server.publish on worker B publish, once; text stays text, binary byte for byte', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const b1 = await member(b, 'b1');
      const b2 = await member(b, 'b2');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed to circus:room');
      b1.ws.send('hello from b1');
      const bytes = crypto.randomBytes(300);
      bytes[0] = 0xff; // not UTF-8: would not survive a detour through a string
      b1.ws.send(bytes);
      // Nothing orders two publishers: b1's messages arrive first, then A's server.publish.
      await waitFor(() => seen(a1).length === 2 && seen(b2).length === 2, 'b1\'s two messages on A and next to b1');
      const sent = (await (await fetch(`http://127.0.0.1:${a.port}/publish?m=from-server-a`)).json()) as { sent: number };
      assert.ok(sent.sent > 0, `server.publish returned ${sent.sent}`);
      await waitFor(() => seen(b1).includes('from-server-a'), 'server.publish on A reaching B');
      await flush(b1, [a1, b2]);
      await flush(a1, [b1, b2]);
      assert.deepEqual(seen(a1), ['hello from b1', `bin:${bytes.toString('hex')}`, 'from-server-a'], 'A\'s client: each message once, binary as binary');
      assert.deepEqual(seen(b2), ['hello from b1', `bin:${bytes.toString('hex')}`, 'from-server-a'], 'the sender\'s neighbour on B: each once (local, not again from the broker)');
      assert.deepEqual(seen(b1), ['from-server-a'], 'the sender: skipped by its own ws.publish');
      assert.equal(typeof a1.got[2].data === 'string', false);
      const ha = await pubsubOf(a);
      assert.equal(ha.state, 'connected');
      assert.equal(ha.dropped, 0);
      assert.ok(ha.received >= 3 && ha.published >= 2, JSON.stringify(ha));
      });
    });

    test('a socket that never subscribed, and one that left, publish to every subscriber here and there', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const b1 = await member(b, 'b1');
      const a2 = await Client.open(a.url('/ws?name=a2&listen=0'));
      await a2.nextJson('hello');
      const a3 = await member(a, 'a3');
      a3.ws.send('unsub');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      a2.ws.send('from a2, never subscribed');
      a3.ws.send('from a3, unsubscribed');
      await flush(a1, [b1]);
      assert.deepEqual(seen(a1), ['from a2, never subscribed', 'from a3, unsubscribed']);
      assert.deepEqual(seen(b1), ['from a2, never subscribed', 'from a3, unsubscribed']);
      });
    });

    test('100 messages from one publisher arrive in order on the other worker', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const b1 = await member(b, 'b1');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      b1.ws.send('burst:100');
      await flush(b1, [a1]);
      assert.deepEqual(seen(a1), Array.from({ length: 100 }, (_, i) => `b1:${i}`));
      });
    });

    test('publishToSelf: the sender gets its own message once, the other worker\'s client once', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const b1 = await member(b, 'b1');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      b1.ws.send('mine');
      b1.ws.send(Buffer.from([1, 2, 3]));
      await flush(b1, [a1, b1]);
      assert.deepEqual(seen(b1), ['mine', 'bin:010203']);
      assert.deepEqual(seen(a1), ['mine', 'bin:010203']);
      }, { publishToSelf: true });
    });

    test('the worker subscribes on the broker only to topics with subscribers here, and leaves with the last one', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      assert.deepEqual(await redis.channels(), [], 'no subscriber yet: no channel');
      const a1 = await member(a, 'a1', 'news');
      const a2 = await member(a, 'a2', 'news');
      const b1 = await member(b, 'b1', 'news');
      await waitFor(async () => (await redis.channels()).join() === 'circus:news,other-app/news', 'one channel per prefix');
      assert.equal(await redis.numsub('circus:news'), 1, 'two local subscribers, one broker subscription');
      const sent = (await (await fetch(`http://127.0.0.1:${a.port}/publish?topic=news&m=x`)).json()) as { sent: number };
      assert.ok(sent.sent > 0);
      a1.close();
      await a1.closed;
      assert.deepEqual(await redis.channels(), ['circus:news', 'other-app/news'], 'a2 still listens');
      a2.ws.send('unsub');
      await waitFor(async () => (await redis.channels()).join() === 'other-app/news', 'circus:news gone once a2 unsubscribed');
      b1.close();
      await waitFor(async () => (await redis.channels()).length === 0, 'no channel once the last socket closed');
      assert.equal((await pubsubOf(a)).topics, 0);
      assert.deepEqual(seen(b1), [], 'another prefix is another app: nothing crossed');
      }, {}, ['--pubsub-prefix', 'other-app/']);
    });
  });
}
