// A WebSocket quiet for longer than --idle-timeout stays open: that flag is for HTTP connections
// (keep-alive, slow clients); a WebSocket's idle rule is the app's websocket.idleTimeout. The
// node backend's idle sweep used to cut WebSockets too, after --idle-timeout (10 s by default).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { killAll, waitFor } from '../helpers/process.js';
import { BACKENDS, Client, startWsWorker } from './support.js';

after(killAll);

for (const { name, skip } of BACKENDS) {
  describe(`idle WebSockets and --idle-timeout (${name})`, { skip }, () => {
    test('an idle keep-alive connection is cut after --idle-timeout 1; a WebSocket idle as long is not', async () => {
      const w = await startWsWorker(name, ['--idle-timeout', '1']);
      try {
        const c = await Client.open(w.url('/ws?name=quiet'));
        await c.nextJson('hello');
        const http = net.connect(w.port, '127.0.0.1');
        http.on('error', () => {});
        let httpClosed = false;
        http.on('close', () => (httpClosed = true));
        http.resume(); // read (and drop) the response, so the server's FIN is seen
        http.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        if (name === 'node') {
          // The HTTP connection's cut is the clock: by then the WebSocket has been as idle, longer.
          await waitFor(() => httpClosed, 'the idle keep-alive connection to be cut', 20000);
          await new Promise((r) => setTimeout(r, 1500)); // one more sweep period past the cut
        } else {
          // uWS closes idle keep-alive connections on its own clock (20.30: 10 s; 20.57 about 30 s),
          // never after --idle-timeout: the clock here is three times --idle-timeout.
          await new Promise((r) => setTimeout(r, 3000));
        }
        assert.equal(c.ws.readyState, 1, 'the WebSocket is still open');
        c.ws.send('still here');
        assert.equal(await c.nextText(), 'echo:still here');
        c.close();
        await c.closed;
      } finally {
        w.proc.child.kill('SIGKILL');
        await w.proc.exited;
        w.release();
      }
    });
  });
}
