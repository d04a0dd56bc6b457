// Renewal the other way: the certificate files change, `circus-ctl reload` rolls the workers
// (what a certbot deploy hook runs, docs/tls.md), and under https load no request fails while new
// handshakes get the new certificate. The workers do not watch the files here
// (--cert-reload-interval 0), so only the reload can bring the new pair in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/process.js';
import { cleanup, startSupervisor, tempDir, waitForRunning, watcherPids } from '../helpers/supervisor.js';
import { app } from '../helpers/worker.js';
import { httpsLoad, servedCertificate, TestPki } from '../helpers/tls.js';
import { BACKENDS, UWS_MODULE_FLAG } from '../helpers/uws-available.js';

test.afterEach(cleanup);

for (const backend of BACKENDS) {
  test(`${backend} backend: certificate files replaced, then circus-ctl reload under https load: every worker replaced, new handshakes get the new certificate, 0 failed requests`, async () => {
    const dir = tempDir();
    const pki = new TestPki(path.join(dir, 'pki'));
    const [r1, r2] = [1, 2].map((n) => pki.server(`r${n}`, ['localhost', '127.0.0.1']));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    fs.copyFileSync(r1.chain, cert);
    fs.copyFileSync(r1.key, key);
    const ini = `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[watcher:web]\ncmd = circus-worker --fd $(circus.sockets.web) --backend ${backend} ${UWS_MODULE_FLAG} --certfile ${cert} --keyfile ${key} --cert-reload-interval 0 ${app('tls-app.mjs')}\nuse_sockets = True\nnumprocesses = 2\ngraceful_timeout = 10\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n`;
    const r = await startSupervisor(ini, { dir });
    await waitForRunning(r, 'web', 2, 30000, false);
    const port = Number(r.sockets.get('web')!.split(':').pop());
    await waitFor(async () => (await servedCertificate(port, 'localhost').catch(() => undefined))?.fingerprint === r1.fingerprint, 'the first certificate to serve');
    const before = await watcherPids(r, 'web');
    const running = httpsLoad(port, fs.readFileSync(pki.root));
    await waitFor(() => running.counts.ok > 50, 'load to get going');
    // What certbot's deploy hook sees: the new pair in place (written beside, renamed over).
    for (const [from, to] of [[r2.key, key], [r2.chain, cert]]) {
      fs.copyFileSync(from, `${to}.new`);
      fs.renameSync(`${to}.new`, to);
    }
    assert.equal((await servedCertificate(port, 'localhost')).fingerprint, r1.fingerprint, 'no in-process renewal with --cert-reload-interval 0');
    await r.ok('reload', { name: 'web' });
    await waitFor(async () => {
      const now = await watcherPids(r, 'web');
      return now.length === 2 && now.every((p) => !before.includes(p));
    }, 'every worker to be replaced', 60000, 100);
    await waitFor(async () => (await servedCertificate(port, 'localhost')).fingerprint === r2.fingerprint, 'the new certificate to serve', 30000, 100);
    const counts = await running.stop();
    assert.equal(counts.failed, 0, `failed requests: ${counts.errors.slice(0, 5).join('; ')}`);
    assert.ok(counts.ok > 100, `only ${counts.ok} requests`);
  });
}
