// The message path on both backends with real clients: text and binary echo (a binary message is
// a Buffer owning its bytes), fragmentation, the upgrade's data/headers/subprotocol, an upgrade
// after an await, close codes both ways, ping/pong, and a failing handler costing one connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../helpers/raw.js';
import { killAll } from '../helpers/process.js';
import { closeFd, createListener } from '../../sys/sockets.js';
import { runWorkerOnFd } from '../helpers/worker.js';
import { BACKENDS, Client, ECHO_APP, startWsWorker, stdoutMatch, stillServes, type WsWorker } from './support.js';

after(killAll);

test('a bad websocket option stops the worker at start, naming the key (exit 2)', async () => {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  try {
    for (const [options, key] of [[{ maxPayloadLength: -1 }, 'websocket.maxPayloadLength'], [{ perMessageDeflate: { compress: 'fast' } }, 'websocket.perMessageDeflate.compress']] as const) {
      const p = runWorkerOnFd(l.fd, ['--backend', 'node', ECHO_APP], { WS_OPTIONS: JSON.stringify(options) });
      assert.equal((await p.exited).code, 2);
      assert.match(p.stderr(), new RegExp(`circus-worker: error: app .*echo-app\\.mjs: ${key.replace(/\./g, '\\.')} must be`));
    }
  } finally {
    closeFd(l.fd);
  }
});

for (const { name, skip } of BACKENDS) {
  describe(`websocket messages (${name})`, { skip }, () => {
    let w: WsWorker;
    before(async () => {
      w = await startWsWorker(name);
    });
    after(() => w?.release());

    test('text echo; open sees upgrade data, remoteAddress and readyState 1', async () => {
      const c = await Client.open(w.url('/ws?name=alice'));
      assert.deepEqual(await c.nextJson(), { hello: 'alice', remote: '127.0.0.1', readyState: 1 });
      c.ws.send('héllo wörld');
      assert.equal(await c.nextText(), 'echo:héllo wörld');
      c.close();
      await c.closed;
    });

    test('binary arrives as a Buffer that owns its bytes (offset 0, buffer as long as the message), echoed intact', async () => {
      const c = await Client.open(w.url('/ws?name=bin'));
      await c.next();
      for (const size of [1, 100, 5000, 70_000]) {
        const bytes = Buffer.alloc(size, 0).map((_, i) => (i * 7) & 255);
        c.ws.send(bytes);
        assert.deepEqual(await c.nextJson(), { binary: true, isBuffer: true, length: size, byteOffset: 0, backing: size });
        const echo = await c.next();
        assert.equal(echo.binary, true);
        assert.ok((echo.data as Buffer).equals(bytes), `echo of ${size} bytes differs`);
      }
      c.close();
      await c.closed;
    });

    test('a fragmented message is delivered whole', async () => {
      const c = await Client.open(w.url('/ws?name=frag'));
      await c.next();
      c.ws.send('part one, ', { fin: false });
      c.ws.send('part two, ', { fin: false });
      c.ws.send('the end', { fin: true });
      assert.equal(await c.nextText(), 'echo:part one, part two, the end');
      const bin = [Buffer.alloc(3000, 1), Buffer.alloc(3000, 2)];
      c.ws.send(bin[0], { fin: false, binary: true });
      c.ws.send(bin[1], { fin: true, binary: true });
      assert.deepEqual(await c.nextJson(), { binary: true, isBuffer: true, length: 6000, byteOffset: 0, backing: 6000 });
      assert.ok(((await c.next()).data as Buffer).equals(Buffer.concat(bin)));
      c.close();
      await c.closed;
    });

    test('upgrade headers reach the 101, the app can pick the subprotocol, and an upgrade after an await works', async () => {
      const c = new Client(w.url('/ws?name=h&async=1&proto=second'), ['first', 'second']);
      const head = new Promise<Record<string, unknown>>((resolve) => c.ws.once('upgrade', (res) => resolve(res.headers)));
      await c.opened;
      const headers = await head;
      assert.equal(headers['x-upgraded-by'], 'circus');
      assert.equal(c.ws.protocol, 'second');
      assert.equal((await c.nextJson()).hello, 'h');
      c.close();
      await c.closed;
      const d = await Client.open(w.url('/ws?name=p'), ['first', 'second']);
      assert.equal(d.ws.protocol, 'first', 'by default the first offered subprotocol is chosen');
      d.close();
    });

    test('a plain GET still gets the app\'s response, so does another Upgrade (h2c); requestIP names the client', async () => {
      const res = await fetch(`http://127.0.0.1:${w.port}/`);
      assert.equal(await res.text(), 'hello');
      const h2c = await raw({ host: '127.0.0.1', port: w.port }, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
      assert.match(h2c, /^HTTP\/1\.1 200 [\s\S]*hello$/, 'an h2c upgrade request is answered as plain HTTP/1.1');
      const ip = (await (await fetch(`http://127.0.0.1:${w.port}/ip`)).json()) as { address: string; family: string; port: number };
      assert.equal(ip.address, '127.0.0.1');
      assert.equal(ip.family, 'IPv4');
      if (name === 'node') assert.ok(ip.port > 0, 'node knows the client port');
      const refused = await fetch(`http://127.0.0.1:${w.port}/ws`);
      assert.equal(refused.status, 426, 'server.upgrade() is false for a request that asks for no WebSocket');
    });

    test('close codes and reasons travel both ways; terminate cuts without a close frame', async () => {
      const a = await Client.open(w.url('/ws?name=srvclose'));
      await a.next();
      a.ws.send('close:4000:server says bye');
      assert.deepEqual(await a.closed, { code: 4000, reason: 'server says bye' });
      await stdoutMatch(w, /CLOSE srvclose 4000 server says bye/, 'the app close handler for a server close');

      const b = await Client.open(w.url('/ws?name=cliclose'));
      await b.next();
      b.close(4001, 'client says bye');
      assert.equal((await b.closed).code, 4001);
      await stdoutMatch(w, /CLOSE cliclose 4001 client says bye/, 'the app close handler for a client close');

      const t = await Client.open(w.url('/ws?name=term'));
      await t.next();
      t.ws.send('terminate');
      assert.equal((await t.closed).code, 1006);
      await stdoutMatch(w, /CLOSE term 1006/, 'the app close handler after terminate');
    });

    test('ping/pong: the client\'s ping reaches the ping handler and is answered; the server\'s ping gets the client\'s pong', async () => {
      const c = await Client.open(w.url('/ws?name=pp'));
      await c.next();
      const pong = new Promise<string>((resolve) => c.ws.once('pong', (d: Buffer) => resolve(d.toString())));
      c.ws.ping('hi');
      assert.equal(await pong, 'hi', 'automatic pong with the ping payload');
      assert.equal(await c.nextText(), 'got ping hi');
      const ping = new Promise<string>((resolve) => c.ws.once('ping', (d: Buffer) => resolve(d.toString())));
      c.ws.send('ping');
      assert.equal(await ping, 'p1');
      const status = (await c.nextJson()) as { ping: number };
      assert.ok(status.ping > 0, `ws.ping returned ${status.ping}`);
      assert.equal(await c.nextText(), 'got pong p1');
      c.close();
      await c.closed;
    });

    test('a handler that throws costs its connection (1011), not the worker', async () => {
      const c = await Client.open(w.url('/ws?name=thrower'));
      await c.next();
      c.ws.send('throw');
      assert.equal((await c.closed).code, 1011);
      await stillServes(w);
    });

    test('perMessageDeflate: true negotiates permessage-deflate and takes compressed messages', async () => {
      const z = await startWsWorker(name, [], { perMessageDeflate: true });
      try {
        const c = new Client(z.url('/ws?name=zip'), undefined, { perMessageDeflate: true });
        await c.opened;
        assert.match(c.ws.extensions, /permessage-deflate/);
        await c.next();
        const text = 'compress me '.repeat(2000); // over ws's 1 KB threshold: sent compressed
        c.ws.send(text);
        assert.equal(await c.nextText(), `echo:${text}`);
        c.close();
        await c.closed;
      } finally {
        z.release();
      }
    });

    test('Node\'s global WebSocket client talks to it too', { skip: typeof globalThis.WebSocket !== 'function' && 'this Node has no global WebSocket' }, async () => {
      const ws = new globalThis.WebSocket(w.url('/ws?name=native'));
      const got: string[] = [];
      const opened = new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve);
        ws.addEventListener('error', reject);
      });
      ws.addEventListener('message', (e) => got.push(String(e.data)));
      await opened;
      ws.send('from undici');
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => got.length >= 2 && (clearInterval(t), resolve()), 5);
        setTimeout(() => (clearInterval(t), reject(new Error(`got ${JSON.stringify(got)}`))), 10000);
      });
      assert.equal(JSON.parse(got[0]).hello, 'native');
      assert.equal(got[1], 'echo:from undici');
      const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
      ws.close(1000);
      assert.equal(await closed, 1000);
    });
  });
}
