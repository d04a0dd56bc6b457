// Topics and backpressure on both backends: ws.publish skips the sender unless publishToSelf,
// server.publish reaches everyone, counts follow subscribe/unsubscribe/close; send() reports
// Bun's statuses (bytes, -1 queued, 0 dropped) to a client that stops reading, drain follows,
// and closeOnBackpressureLimit closes such a client.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, waitFor } from '../helpers/process.js';
import { BACKENDS, Client, frame, rawWebSocket, startWsWorker, stdoutMatch, type WsWorker } from './support.js';

after(killAll);

async function stats(w: WsWorker): Promise<{ pendingWebSockets: number; room: number }> {
  return (await fetch(`http://127.0.0.1:${w.port}/stats`)).json() as Promise<{ pendingWebSockets: number; room: number }>;
}

async function roomMember(w: WsWorker, name: string): Promise<Client> {
  const c = await Client.open(w.url(`/ws/room?name=${name}`));
  await c.nextJson(`${name}'s hello`);
  return c;
}

/** Floods a client that does not read; returns the FLOOD line the app printed. */
async function floodUnread(w: WsWorker, name: string, chunk: number): Promise<{ seen: Record<string, number>; raw: Awaited<ReturnType<typeof rawWebSocket>> }> {
  const raw = await rawWebSocket(w.port, `/ws?name=${name}`);
  await waitFor(() => raw.received().length > 0, 'the hello frame');
  raw.socket.pause(); // stop reading: the kernel buffers fill, then the server's
  raw.socket.write(frame(1, `flood:${chunk}`));
  const m = await stdoutMatch(w, new RegExp(`FLOOD (\\{[^}]*\\})`), 'the flood report');
  return { seen: JSON.parse(m[1]) as Record<string, number>, raw };
}

for (const { name, skip } of BACKENDS) {
  describe(`websocket pub/sub (${name})`, { skip }, () => {
    test('ws.publish reaches the other subscribers, not the sender; server.publish reaches all; counts follow', async () => {
      const w = await startWsWorker(name);
      try {
        const a = await roomMember(w, 'a');
        const b = await roomMember(w, 'b');
        assert.deepEqual(await stats(w), { pendingWebSockets: 2, pendingRequests: 1, room: 2 } as never);
        a.ws.send('pub:hi from a');
        assert.equal(await b.nextText(), 'hi from a');
        const sent = (await (await fetch(`http://127.0.0.1:${w.port}/publish?m=from-http`)).json()) as { sent: number };
        assert.ok(sent.sent > 0, `server.publish returned ${sent.sent}`);
        assert.equal(await a.nextText(), 'from-http', 'a got nothing before: its own publish skipped it');
        assert.equal(await b.nextText(), 'from-http');
        b.ws.send('unsub');
        assert.deepEqual(await b.nextJson(), { subscribed: false });
        assert.equal((await stats(w)).room, 1);
        b.ws.send('sub');
        assert.deepEqual(await b.nextJson(), { subscribed: true, topics: ['room'] });
        a.close();
        await a.closed;
        assert.equal(await b.nextText(), 'left:a', 'the close handler published to the room');
        assert.deepEqual(await stats(w), { pendingWebSockets: 1, pendingRequests: 1, room: 1 } as never);
        const none = (await (await fetch(`http://127.0.0.1:${w.port}/publish?m=x`)).json()) as { sent: number };
        b.close();
        await b.closed;
        await waitFor(async () => (await stats(w)).pendingWebSockets === 0, 'pendingWebSockets back to 0');
        assert.ok(none.sent > 0);
        assert.equal((await (await fetch(`http://127.0.0.1:${w.port}/publish?m=x`)).json() as { sent: number }).sent, 0, 'no subscriber: 0');
      } finally {
        w.release();
      }
    });

    test('publishToSelf: true delivers a publish to its sender too', async () => {
      const w = await startWsWorker(name, [], { publishToSelf: true });
      try {
        const a = await roomMember(w, 'a');
        const b = await roomMember(w, 'b');
        a.ws.send('pub:to all');
        assert.equal(await a.nextText(), 'to all');
        assert.equal(await b.nextText(), 'to all');
      } finally {
        w.release();
      }
    });

    test('send() to a client that stops reading: bytes, then -1 (queued), then 0 (dropped); drain once it reads again', async () => {
      const w = await startWsWorker(name, [], { backpressureLimit: 256 * 1024 });
      try {
        const { seen, raw } = await floodUnread(w, 'slow', 64 * 1024);
        assert.ok(seen.sent > 0, `some sends went through: ${JSON.stringify(seen)}`);
        assert.ok(seen['-1'] > 0, `some were queued under backpressure: ${JSON.stringify(seen)}`);
        assert.equal(seen['0'], 1, `the first send past the limit was dropped and the loop stopped: ${JSON.stringify(seen)}`);
        assert.ok(!raw.isClosed(), 'without closeOnBackpressureLimit the client stays connected');
        raw.socket.resume();
        await stdoutMatch(w, /DRAIN slow/, 'the drain handler once the client reads again');
        raw.socket.destroy();
      } finally {
        w.release();
      }
    });

    test('closeOnBackpressureLimit closes a client that stops reading; others are unaffected', async () => {
      const w = await startWsWorker(name, [], { backpressureLimit: 256 * 1024, closeOnBackpressureLimit: true });
      try {
        const other = await roomMember(w, 'other');
        const { raw } = await floodUnread(w, 'stuck', 64 * 1024);
        await stdoutMatch(w, /CLOSE stuck \d+/, 'the stuck client closed');
        raw.socket.resume();
        await raw.closed;
        assert.equal(await other.nextText(), 'left:stuck');
        other.ws.send('still here');
        assert.equal(await other.nextText(), 'echo:still here');
      } finally {
        w.release();
      }
    });
  });
}
