// WebSockets through a worker's life on both backends: SIGTERM closes open sockets with 1001
// only after the in-flight HTTP request has finished (--ws-close at-once: at once), the stop line
// counts them, a client that never answers the close is cut by the graceful timeout, an upgrade
// counts as one request for --max-requests, and the access log has a line per upgrade and close.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { killAll, waitFor, waitForOutput } from '../helpers/process.js';
import { BACKENDS, Client, closeCodeIn, handshakeRequest, rawWebSocket, startWsWorker, stdoutMatch, type WsWorker } from './support.js';

after(killAll);

/** GET /slow?ms=… that records when its answer arrived. */
function slowRequest(w: WsWorker, ms: number): Promise<{ status: number; body: string; at: number }> {
  return fetch(`http://127.0.0.1:${w.port}/slow?ms=${ms}`).then(async (r) => ({ status: r.status, body: await r.text(), at: Date.now() }));
}

async function member(w: WsWorker, name: string): Promise<{ c: Client; closedAt: Promise<{ code: number; at: number }> }> {
  const c = await Client.open(w.url(`/ws?name=${name}`));
  await c.next();
  return { c, closedAt: c.closed.then(({ code }) => ({ code, at: Date.now() })) };
}

for (const { name, skip } of BACKENDS) {
  describe(`websocket lifecycle (${name})`, { skip }, () => {
    test('SIGTERM: the in-flight request finishes first, then open WebSockets get 1001; the stop line counts them; exit 0', async () => {
      const w = await startWsWorker(name, ['--graceful-timeout', '20']);
      try {
        const a = await member(w, 'a');
        const b = await member(w, 'b');
        const slow = slowRequest(w, 800);
        await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${w.port}/stats`)).json()) as { pendingRequests: number }).pendingRequests >= 2, 'the slow request in flight');
        w.proc.child.kill('SIGTERM');
        const [done, ca, cb] = await Promise.all([slow, a.closedAt, b.closedAt]);
        assert.equal(done.status, 200);
        assert.equal(done.body, 'slow done');
        assert.equal(ca.code, 1001);
        assert.equal(cb.code, 1001);
        assert.ok(ca.at >= done.at - 50, `the 1001 came ${done.at - ca.at} ms before the slow response`);
        assert.equal((await w.proc.exited).code, 0);
        assert.match(w.proc.stderr(), /stopping \(SIGTERM\): .*closing 2 WebSocket\(s\) with 1001/);
        assert.match(w.stdout(), /CLOSE a 1001 going away/);
      } finally {
        w.release();
      }
    });

    test('--ws-close at-once: 1001 goes out while the request is still in flight', async () => {
      const w = await startWsWorker(name, ['--graceful-timeout', '20', '--ws-close', 'at-once']);
      try {
        const a = await member(w, 'a');
        const slow = slowRequest(w, 800);
        await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${w.port}/stats`)).json()) as { pendingRequests: number }).pendingRequests >= 2, 'the slow request in flight');
        w.proc.child.kill('SIGTERM');
        const [done, ca] = await Promise.all([slow, a.closedAt]);
        assert.equal(ca.code, 1001);
        assert.equal(done.status, 200, 'the in-flight request still completes');
        assert.ok(ca.at < done.at - 300, `the 1001 came only ${done.at - ca.at} ms before the slow response`);
        assert.equal((await w.proc.exited).code, 0);
      } finally {
        w.release();
      }
    });

    test('a client that never answers the close is cut, by the graceful timeout at the latest', async () => {
      const w = await startWsWorker(name, ['--graceful-timeout', '2']);
      try {
        const raw = await rawWebSocket(w.port, '/ws?name=deaf');
        await waitFor(() => raw.received().length > 0, 'the hello frame');
        const t0 = Date.now();
        w.proc.child.kill('SIGTERM');
        await raw.closed;
        const exit = await w.proc.exited;
        const took = Date.now() - t0;
        assert.ok(took < 2000 + 2500, `the worker took ${took} ms`);
        // node waits for the answer until the graceful timeout; uWS gives clients 1 s (it cannot
        // tell when a client answers) and cuts the rest.
        if (name === 'node') {
          assert.ok(took >= 1800, `cut after ${took} ms, before the graceful timeout`);
          assert.equal(exit.code, 0);
          assert.match(w.proc.stderr(), /graceful timeout \(2s\) passed with .* 1 WebSocket\(s\) open/);
        } else assert.equal(exit.code, 0);
      } finally {
        w.release();
      }
    });

    test('--max-requests counts an upgrade as one request; the drain then closes the socket with 1001', async () => {
      const w = await startWsWorker(name, ['--max-requests', '2']);
      try {
        const a = await member(w, 'a');
        assert.equal(await (await fetch(`http://127.0.0.1:${w.port}/`)).text(), 'hello');
        assert.equal((await a.closedAt).code, 1001);
        assert.equal((await w.proc.exited).code, 0);
        assert.match(w.proc.stderr(), /served 2 requests \(--max-requests\)/);
      } finally {
        w.release();
      }
    });

    test('the access log has one line per upgrade (101) and one per close (code, duration, bytes in and out)', async () => {
      const w = await startWsWorker(name, ['--access-log']);
      try {
        const c = await Client.open(w.url('/ws?name=logged'));
        await c.next();
        c.ws.send('12345');
        await c.next();
        c.close(1000, 'done');
        await c.closed;
        await stdoutMatch(w, /"WS \/ws\?name=logged" 1000 [\d.]+ms in=5 out=\d+/, 'the close line');
        assert.match(w.stdout(), /"GET \/ws\?name=logged" 101 [\d.]+ms/, 'the upgrade line');
        const out = Number(/in=5 out=(\d+)/.exec(w.stdout())![1]);
        assert.ok(out >= 'echo:12345'.length + 10, `out=${out} counts the hello and the echo`);
      } finally {
        w.release();
      }
    });

    test('a handshake reaching a draining worker is completed and closed with 1001, so the client reconnects', async () => {
      const w = await startWsWorker(name, ['--graceful-timeout', '20']);
      try {
        // A keep-alive connection accepted before the drain, idle, carries the handshake after it;
        // a slow request on another connection keeps the drain going meanwhile.
        const s = net.connect(w.port, '127.0.0.1');
        let got = Buffer.alloc(0);
        s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
        s.on('error', () => {});
        const closed = new Promise((resolve) => s.on('close', resolve));
        s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await waitFor(() => got.toString().endsWith('hello'), 'the first response');
        const slow = slowRequest(w, 800);
        await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${w.port}/stats`)).json()) as { pendingRequests: number }).pendingRequests >= 2, 'the slow request in flight');
        w.proc.child.kill('SIGTERM');
        await waitForOutput(w.proc, /stopping \(SIGTERM\)/);
        got = Buffer.alloc(0);
        s.write(handshakeRequest('/ws?name=late'));
        await closed;
        const text = got.toString('latin1');
        assert.match(text, /^HTTP\/1\.1 101 /, `answered: ${text.split('\r\n')[0]}`);
        assert.equal(closeCodeIn(got.subarray(got.indexOf('\r\n\r\n') + 4)), 1001);
        assert.equal((await slow).status, 200);
        assert.doesNotMatch(w.stdout(), /CLOSE late/, 'the app never saw the late handshake');
        assert.equal((await w.proc.exited).code, 0);
      } finally {
        w.release();
      }
    });
  });
}
