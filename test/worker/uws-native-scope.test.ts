// The uws-native tracking (uws/native.ts) belongs to the app it was set up for: two tracked uWS
// apps in one process count and drain their own requests only, and a response of an app that
// was never tracked goes through the shared HttpResponse prototype untouched. Real uWS apps on
// loopback ports, a real HTTP client.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { request } from '../helpers/http.js';
import { uwsBuild, uwsSkip } from '../helpers/uws-available.js';
import { loadUwsModule, type UwsModule } from '../../worker/uws/load-module.js';
import { trackNativeApp, type NativeTracker } from '../../worker/uws/native.js';

const uws: UwsModule | undefined = uwsSkip ? undefined : loadUwsModule(uwsBuild.module).uws;

const sockets: us_listen_socket[] = [];
// Keep-alive, so that a Connection: close in a response is the server's own choice.
const agent = new http.Agent({ keepAlive: true });
after(() => {
  agent.destroy();
  for (const s of sockets) uws?.us_listen_socket_close(s);
});

interface Counted extends NativeTracker {
  begun: number;
  ended: string[];
  draining: boolean;
}

function tracker(): Counted {
  return {
    begun: 0,
    ended: [],
    draining: false,
    logs: true,
    timed: true,
    begin() {
      this.begun++;
    },
    end(method, url, status) {
      this.ended.push(`${method} ${url} ${status}`);
    },
  };
}

function serve(app: TemplatedApp, name: string): number {
  app.get('/*', (res) => {
    res.end(name);
  });
  let port = 0;
  app.listen('127.0.0.1', 0, (ls) => {
    assert.ok(ls, `uWS could not listen for ${name}`);
    sockets.push(ls);
    port = uws!.us_socket_local_port(ls);
  });
  return port;
}

function get(port: number, urlPath: string): Promise<{ body: string; connection?: string }> {
  return request({ host: '127.0.0.1', port }, urlPath, { agent }).then((r) => ({ body: r.body, connection: r.headers.connection }));
}

test('two tracked uws-native apps in one process keep their own counts and drain; an untracked one is untouched', { skip: uwsSkip }, async () => {
  const a = tracker();
  const b = tracker();
  const portA = serve(trackNativeApp(uws!.App(), a), 'a');
  const portB = serve(trackNativeApp(uws!.App(), b), 'b');
  const portRaw = serve(uws!.App(), 'raw');

  assert.equal((await get(portA, '/one')).body, 'a');
  assert.equal((await get(portA, '/two')).body, 'a');
  assert.equal((await get(portB, '/three')).body, 'b');
  assert.equal((await get(portRaw, '/four')).body, 'raw');
  assert.deepEqual([a.begun, a.ended], [2, ['GET /one 200', 'GET /two 200']]);
  assert.deepEqual([b.begun, b.ended], [1, ['GET /three 200']]);

  // Draining one app closes its connections only.
  a.draining = true;
  assert.equal((await get(portA, '/five')).connection, 'close');
  assert.notEqual((await get(portB, '/six')).connection, 'close');
  assert.notEqual((await get(portRaw, '/seven')).connection, 'close');
  assert.deepEqual([a.begun, b.begun], [3, 2]);
});
