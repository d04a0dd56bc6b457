// In-process certificate renewal under load: the files are replaced the ways certbot (live/
// symlinks to archive/, cert and key switched one after the other) and an editor or Kubernetes
// (a new file renamed over the old) do it; new handshakes get the new certificate within seconds,
// keep-alive connections go on, a half-written or mismatched pair keeps the old one serving with
// one log line naming the file, and no request fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, waitFor } from '../helpers/process.js';
import { app, closeFd, tcpListener, workerOnFd } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';
import { httpsGet, httpsLoad, servedCertificate, TestPki, type Leaf } from '../helpers/tls.js';

after(killAll);

let tmp: string;
let pki: TestPki;
let leaves: Leaf[];
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tls-renew-'));
  pki = new TestPki(tmp);
  leaves = [1, 2, 3].map((n) => pki.server(`r${n}`, ['localhost', '127.0.0.1']));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** certbot's layout: live/{cert,key}.pem are symlinks into archive/. */
function certbotLayout(name: string, leaf: Leaf): { live: string; cert: string; key: string; point(file: 'cert' | 'key', target: string): void } {
  const live = path.join(tmp, name, 'live');
  fs.mkdirSync(live, { recursive: true });
  const cert = path.join(live, 'cert.pem');
  const key = path.join(live, 'key.pem');
  // As certbot does: a new link made beside the old one, renamed over it.
  const point = (file: 'cert' | 'key', target: string) => {
    const next = path.join(live, `.${file}.next`);
    fs.symlinkSync(target, next);
    fs.renameSync(next, file === 'cert' ? cert : key);
  };
  point('cert', leaf.chain);
  point('key', leaf.key);
  return { live, cert, key, point };
}

const served = async (port: number) => (await servedCertificate(port, 'localhost')).fingerprint;

test('node backend: certbot symlink swap, a half-written file and a rename over the file, under load: new handshakes switch within seconds, 0 failed requests', async () => {
  const [r1, r2, r3] = leaves;
  const files = certbotLayout('node', r1);
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'node', '--cert-reload-interval', '0.5', '--certfile', files.cert, '--keyfile', files.key, app('tls-app.mjs')]);
    const port = (w.target as { port: number }).port;
    assert.equal(await served(port), r1.fingerprint);
    const running = httpsLoad(port, fs.readFileSync(pki.root));
    await waitFor(() => running.counts.ok > 50, 'load to get going');

    // certbot switches the cert link, then the key link: in between the pair does not match.
    files.point('cert', r2.chain);
    await waitFor(() => /warn: certificate renewal not applied/.test(w.proc.stderr()), 'the mismatch to be logged');
    assert.match(w.proc.stderr(), new RegExp(`warn: certificate renewal not applied, still serving [0-9A-F:]+: --keyfile ${files.key} is not the key of the certificate in --certfile ${files.cert}`));
    assert.equal(await served(port), r1.fingerprint, 'the old pair serves while the new one is incomplete');
    files.point('key', r2.key);
    await waitFor(async () => (await served(port)) === r2.fingerprint, 'new handshakes to get the renewed certificate', 10000, 100);
    assert.match(w.proc.stderr(), new RegExp(`info: --certfile ${files.cert} renewed: new handshakes get [0-9A-F:]+ \\(serial ${r2.serial}`));

    // A half-written certificate (a copy still under way): kept out, logged once.
    const partial = path.join(tmp, 'partial.pem');
    fs.writeFileSync(partial, fs.readFileSync(r3.chain, 'utf8').slice(0, 300));
    files.point('cert', partial);
    await waitFor(() => /certificate renewal not applied, still serving [^\n]*partial|--certfile [^\n]*cert\.pem holds no PEM/.test(w.proc.stderr()), 'the half-written file to be logged');
    assert.equal(await served(port), r2.fingerprint);
    const warnings = () => (w.proc.stderr().match(/holds no PEM certificate/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 1500)); // three more polls of the same file: no new line
    assert.equal(warnings(), 1, 'one line per change, not per poll');

    // A regular file renamed over the link, key first then certificate (both complete).
    const nextKey = path.join(files.live, 'key.new');
    const nextCert = path.join(files.live, 'cert.new');
    fs.copyFileSync(r3.key, nextKey);
    fs.copyFileSync(r3.chain, nextCert);
    fs.renameSync(nextKey, files.key);
    fs.renameSync(nextCert, files.cert);
    await waitFor(async () => (await served(port)) === r3.fingerprint, 'the renamed-over pair to serve', 10000, 100);

    const counts = await running.stop();
    assert.equal(counts.failed, 0, `failed requests: ${counts.errors.slice(0, 5).join('; ')}`);
    assert.ok(counts.ok > 100, `only ${counts.ok} requests made`);
    assert.doesNotMatch(w.proc.stderr(), /error:/);
  } finally {
    closeFd(listener.fd);
  }
});

test('uws backend: a renewed pair is noticed and logged, the old certificate keeps serving (uWS 20.30 cannot swap it; circus-ctl reload does)', { skip: uwsSkip }, async () => {
  const [r1, r2] = leaves;
  const files = certbotLayout('uws', r1);
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'uws', '--cert-reload-interval', '0.5', '--certfile', files.cert, '--keyfile', files.key, app('tls-app.mjs')]);
    const port = (w.target as { port: number }).port;
    files.point('key', r2.key);
    files.point('cert', r2.chain);
    await waitFor(() => /this backend serves the old certificate until the worker restarts/.test(w.proc.stderr()), 'the renewal to be noticed').catch((err: Error) => {
      throw new Error(`${err.message}; worker stderr: ${w.proc.stderr()}`);
    });
    assert.equal(await served(port), r1.fingerprint);
    const r = await httpsGet(port, '/', { ca: fs.readFileSync(pki.root) });
    assert.equal(r.status, 200);
  } finally {
    closeFd(listener.fd);
  }
});
