// --pubsub when the broker misbehaves, against a real redis-server: unreachable at start (the
// worker serves, says so once, catches up when it appears), killed and restarted mid-stream
// (resubscribes by itself, once), stalled (SIGSTOP: publishing never blocks, the bounded queue
// drops and counts; silent past the heartbeat: given up and rejoined), a message over the
// WebSocket size limit; and the start-up refusals.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, waitFor } from '../helpers/process.js';
import { freePort, Redis } from '../helpers/redis.js';
import { runWorker } from '../helpers/worker.js';
import { brokerWorker, flush, member, pubsubOf, seen, stopAll, withPair } from './broker-support.js';
import { BACKENDS, type WsWorker } from './support.js';

after(killAll);

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'g'))?.length ?? 0;
}

describe('--pubsub start-up refusals', () => {
  test('a URL that is not redis:// stops the worker with EPUBSUB (exit 2)', async () => {
    const p = runWorker(['--bind', '127.0.0.1:0', '--pubsub', 'http://127.0.0.1:6379', 'test/fixtures/ws/pubsub-app.mjs']);
    const { code } = await p.exited;
    assert.equal(code, 2);
    assert.match(p.stderr(), /--pubsub \(or CIRCUS_PUBSUB_URL\): http:\/\/ is not a broker/);
  });

  test('--pubsub-wait: no broker within the time, exit 2 naming it', async () => {
    const port = await freePort();
    const p = runWorker(['--bind', '127.0.0.1:0', '--pubsub', `redis://127.0.0.1:${port}`, '--pubsub-wait', '1', 'test/fixtures/ws/pubsub-app.mjs']);
    const { code } = await p.exited;
    assert.equal(code, 2);
    assert.match(p.stderr(), new RegExp(`the broker redis://127.0.0.1:${port} did not answer within 1 s \\(--pubsub-wait\\)`));
  });
});

describe('--pubsub heartbeat', () => {
  test('a broker that stops answering (SIGSTOP) counts as gone after the heartbeat; rejoined, once, when it answers again', async () => {
    await withPair('node', async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const a2 = await member(a, 'a2');
      const b1 = await member(b, 'b1');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      process.kill(redis.pid, 'SIGSTOP');
      try {
        await waitFor(async () => (await pubsubOf(a)).state === 'down', 'A giving the silent broker up (heartbeat 10 s)', 45000, 250);
        assert.match(a.proc.stderr(), /unreachable \(\w+ connection: no answer within 10 s\)/);
        a1.ws.send('local while silent');
        await a2.until('local while silent');
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
      for (const w of [a, b]) await waitFor(async () => (await pubsubOf(w)).state === 'connected', 'reconnected', 30000);
      await waitFor(async () => (await redis.numsub('circus:room')) === 2 && (await redis.clients()) === 5, 'one subscription per worker, two connections each');
      b1.ws.send('after');
      await flush(b1, [a1, a2]);
      assert.deepEqual(seen(a1), ['after']);
    });
  });
});

for (const { name, skip } of BACKENDS) {
  describe(`--pubsub faults (${name})`, { skip }, () => {
    test('broker unreachable at start: the worker serves, logs one line, and joins the broker once it is up', async () => {
      const port = await freePort();
      const redis = new Redis(port);
      let a: WsWorker | undefined, b: WsWorker | undefined;
      try {
        a = await brokerWorker(name, redis.url);
        const a1 = await member(a, 'a1');
        const a2 = await member(a, 'a2');
        assert.equal((await pubsubOf(a)).state, 'down');
        a1.ws.send('local while down');
        assert.equal(await a2.nextText(), 'local while down', 'local delivery does not wait for the broker');
        await redis.start();
        await waitFor(async () => (await pubsubOf(a!)).state === 'connected', 'the worker reaching the broker', 30000);
        await waitFor(async () => (await redis.numsub('circus:room')) === 1, 'the topic subscribed while down, now on the broker');
        b = await brokerWorker(name, redis);
        const b1 = await member(b, 'b1');
        await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
        b1.ws.send('from b');
        await flush(b1, [a1, a2]);
        assert.deepEqual(seen(a1), ['from b']);
        const log = a.proc.stderr();
        assert.equal(count(log, /pubsub: broker \S+ unreachable/), 1, log);
        assert.equal(count(log, /reachable again/), 1, log);
      } finally {
        await stopAll(a, b, redis);
      }
    });

    test('broker killed and restarted mid-stream: local traffic goes on, each worker resubscribes once, no duplicates', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const a2 = await member(a, 'a2');
      const b1 = await member(b, 'b1');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      b1.ws.send('before');
      await flush(b1, [a1, a2]);
      await redis.stop();
      await waitFor(async () => (await pubsubOf(a!)).state === 'down', 'A noticing the broker is gone');
      a1.ws.send('during');
      await a2.until('during');
      await redis.start();
      for (const w of [a, b]) await waitFor(async () => (await pubsubOf(w)).state === 'connected', 'reconnected', 30000);
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed again');
      assert.equal(await redis.clients(), 5, 'two connections per worker, and redis-cli');
      b1.ws.send('after');
      await flush(b1, [a1, a2]);
      assert.deepEqual(seen(a1), ['before', 'after']);
      assert.deepEqual(seen(a2), ['before', 'during', 'after']);
      assert.deepEqual(seen(b1), [], '"during" was lost to B: at most once');
      });
    });

    test('stalled broker (SIGSTOP): publishing never blocks, what does not fit is dropped and counted, traffic resumes', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1', 'other');
      const a2 = await member(a, 'a2', 'other');
      const b1 = await member(b, 'b1');
      await waitFor(async () => (await redis.numsub('circus:room')) === 1, 'B subscribed');
      process.kill(redis.pid, 'SIGSTOP');
      const n = 600;
      const flood = (await (await fetch(`http://127.0.0.1:${a.port}/flood?n=${n}&bytes=65536`)).json()) as { ms: number };
      const stats = await pubsubOf(a);
      assert.ok(stats.dropped > 0, `nothing dropped: ${JSON.stringify(stats)}`);
      assert.equal(stats.published + stats.dropped, n);
      assert.equal(stats.state, 'connected', 'a stalled broker is not a lost one');
      assert.ok(flood.ms < 5000, `${n} publishes took ${flood.ms} ms`);
      a1.ws.send('local while stalled');
      assert.equal(await a2.nextText(), 'local while stalled');
      assert.equal(count(a.proc.stderr(), /not keeping up/), 1, a.proc.stderr());
      process.kill(redis.pid, 'SIGCONT');
      // Dropped too while the backlog is still over the bound: sent until one gets through.
      await waitFor(async () => {
        await fetch(`http://127.0.0.1:${a!.port}/publish?m=after-stall`);
        return b1.got.some((m) => m.data === 'after-stall');
      }, 'a publish reaching B after the stall', 60000, 200);
      const floods = seen(b1).filter((m) => m.startsWith('bin:')).length;
      assert.ok(floods > 0 && floods <= stats.published, `B got ${floods} of the ${stats.published} published`);
      });
    });

    test('a message over maxPayloadLength: a client sending one is closed and nothing crosses; server.publish of one stays local', async () => {
      await withPair(name, async ({ redis, a, b }) => {
      const a1 = await member(a, 'a1');
      const b1 = await member(b, 'b1');
      const b2 = await member(b, 'b2');
      await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
      b1.ws.send('x'.repeat(2000));
      const closed = await b1.closed;
      assert.ok(closed.code === 1009 || (name === 'uws' && closed.code === 1006), `closed with ${closed.code}`);
      await fetch(`http://127.0.0.1:${a.port}/publish?bytes=2000`);
      await flush(a1, [b2]);
      await flush(b2, [a1]);
      assert.deepEqual(seen(a1), [`bin:${'07'.repeat(2000)}`], 'A\'s own subscriber got it');
      assert.deepEqual(seen(b2), [], 'neither message crossed');
      assert.equal((await pubsubOf(a)).dropped, 1);
      assert.equal(count(a.proc.stderr(), /over the app's maxPayloadLength/), 1);
      }, { maxPayloadLength: 1024 });
    });
  });
}
