// The URL a fetch handler sees comes from the client's target and Host header; on both backends
// the worker answers 400 itself when they cannot make an honest URL, so the app never runs on one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { gapFor } from '../chaos/known-gaps.js';
import { request } from '../helpers/http.js';
import { raw } from '../helpers/raw.js';
import { servingWorker } from '../helpers/worker.js';
import { uwsAtLeast, uwsBuild, uwsSkip } from '../helpers/uws-available.js';

after(killAll);

const req = (target: string, host: string | null) =>
  `GET ${target} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`;
const body = (reply: string) => reply.slice(reply.indexOf('\r\n\r\n') + 4);

for (const backend of ['node', 'uws'] as const) {
  const gap = (check: string) => gapFor(backend, check);
  describe(`request URL on the ${backend} backend`, { skip: backend === 'uws' && uwsSkip }, () => {
    let target: { host: string; port: number };
    let release = () => {};
    before(async () => {
      ({ target, release } = await servingWorker(backend));
    });
    after(() => release());

    test('Host names, IPv4 and bracketed IPv6 literals with ports make the URL', async () => {
      for (const host of ['example.com', 'example.com:8080', '10.0.0.1:80', '[::1]:8080', 'under_score.local']) {
        const reply = await raw(target, req('/url?q=1', host));
        assert.match(reply, /^HTTP\/1\.1 200 /, host);
        assert.equal(body(reply), `http://${host}/url?q=1`);
      }
    });

    test('an HTTP/1.0 request without Host gets http://localhost', { todo: gap('HTTP/1.0 request') }, async () => {
      assert.equal(body(await raw(target, req('/url', null).replace('HTTP/1.1', 'HTTP/1.0'))), 'http://localhost/url');
    });

    if (backend === 'uws' && uwsAtLeast(20, 31)) {
      // What this build does instead (uWS.js 20.30 neither answers nor closes: the todos above).
      test(`${uwsBuild.id} answers HTTP/1.0 and absolute-form targets with 505 and closes, before the app`, async () => {
        for (const [name, bytes] of [['HTTP/1.0', req('/seen-v10', null).replace('HTTP/1.1', 'HTTP/1.0')], ['absolute-form', req('http://other.example/seen-abs', 'x')]]) {
          assert.match(await raw(target, bytes), /^HTTP\/1\.1 505 HTTP Version Not Supported\r\nConnection: close\r\n/, name);
        }
        for (const path of ['/seen-v10', '/seen-abs']) assert.equal((await request(target, `/seen?path=${path}`)).body, 'false', path);
      });
    }

    test('an absolute-form target is kept as sent', { todo: gap('absolute-form target') }, async () => {
      assert.equal(body(await raw(target, req('http://other.example/url?x', 'example.com'))), 'http://other.example/url?x');
    });

    test('a Host that would move the path or break the URL gets 400 and never reaches the app', async () => {
      for (const host of ['evil/seen-host?', 'a b', 'x@y', 'h#frag', 'h\\x', '[::1', 'a:b:c']) {
        assert.match(await raw(target, req('/seen-host', host)), /^HTTP\/1\.1 400 /, `Host ${host}`);
      }
      assert.equal((await request(target, '/seen?path=/seen-host')).body, 'false');
    });

    test('a target that is neither a path nor an absolute URL gets 400', { todo: gap('target without a leading slash') }, async () => {
      for (const t of ['seen-rel', 'ftp://x/seen-rel', 'http://']) {
        assert.match(await raw(target, req(t, 'x')), /^HTTP\/1\.1 400 /, t);
      }
      assert.equal((await request(target, '/pid')).status, 200);
    });
  });
}
