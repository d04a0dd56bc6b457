// The Request a fetch handler gets: the lazy one by default (announced request=lazy), undici's
// own with --no-lazy-request (request=native, the Request global left alone); both backends.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { BACKENDS } from '../helpers/uws-available.js';
import { request } from '../helpers/http.js';
import { app, servingWorker } from '../helpers/worker.js';

after(killAll);

const LEAN = app('fetch-lean.mjs');
// Node 22+ loads undici with node:http, so only Node 20 shows when a Request was built.
const EAGER = Number(process.versions.node.split('.')[0]) >= 22;

for (const backend of BACKENDS) {
  for (const lazy of [true, false]) {
    const args = lazy ? [] : ['--no-lazy-request'];
    test(`${backend}${lazy ? '' : ' --no-lazy-request'}: the start line says request=${lazy ? 'lazy' : 'native'} and the app gets ${lazy ? 'the lazy Request' : "undici's Request"}`, async () => {
      const { target, proc: worker, release } = await servingWorker(backend, args, LEAN);
      try {
        assert.match(worker.stderr(), new RegExp(`handler=fetch response=fast request=${lazy ? 'lazy' : 'native'}\\n`));
        // The first request: undici's Request is built for it (and so loaded) only without the lazy one.
        if (!EAGER) assert.equal((await request(target, '/undici')).body, String(!lazy));
        const r = await request(target, '/request-kind', { method: 'POST', body: 'hello', headers: { 'x-probe': 'p' } });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json(), {
          lazy,
          instance: true,
          method: 'POST',
          text: 'hello',
          header: 'p',
          // The lazy Request reads a whole body straight from the connection, without a stream.
          bodyAfterText: lazy ? 'null' : 'stream',
        });
      } finally {
        release();
      }
    });
  }
}
