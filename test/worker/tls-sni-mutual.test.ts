// SNI (several pairs, wildcards, a default) checked with curl --resolve and openssl s_client
// -servername; mutual TLS (--ca-certs, --cert-reqs) with curl --cert: the verified subject reaches
// fetch and node-style apps in x-client-subject, and a client cannot send its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll } from '../helpers/process.js';
import { app, closeFd, tcpListener, workerOnFd, type FdWorker } from '../helpers/worker.js';
import { BACKENDS } from '../helpers/uws-available.js';
import { curl, run, servedCertificate, TestPki, wssEcho, type Leaf } from '../helpers/tls.js';

after(killAll);

let tmp: string;
let pki: TestPki;
let dflt: Leaf;
let shop: Leaf;
let wild: Leaf;
let alice: Leaf;
const listeners: number[] = [];
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tls-sni-'));
  pki = new TestPki(tmp);
  dflt = pki.server('default', ['localhost', '127.0.0.1']);
  shop = pki.server('shop', ['shop.test', 'www.shop.test']);
  wild = pki.server('wild', ['*.apps.test']);
  alice = pki.client('alice', 'alice');
});
after(() => {
  for (const fd of listeners) closeFd(fd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function worker(args: string[], appFile = 'tls-app.mjs'): Promise<FdWorker & { port: number }> {
  const listener = tcpListener();
  listeners.push(listener.fd);
  const w = await workerOnFd(listener, ['--certfile', dflt.chain, '--keyfile', dflt.key, ...args, app(appFile)]);
  return { ...w, port: (w.target as { port: number }).port };
}

const resolve = (name: string, port: number) => ['--resolve', `${name}:${port}:127.0.0.1`];

for (const backend of BACKENDS) {
  describe(`SNI on the ${backend} backend`, () => {
  test('each name gets its pair (exact and *.wildcard, case-insensitive), anything else the default: curl --resolve and s_client', async () => {
    const w = await worker(['--backend', backend, '--sni', `shop.test,www.shop.test=${shop.chain}:${shop.key}`, '--sni', `*.apps.test=${wild.chain}:${wild.key}`]);
    assert.equal(w.backend, backend);
    for (const [name, leaf] of [['shop.test', shop], ['www.shop.test', shop], ['a.apps.test', wild], ['B.APPS.test', wild], ['localhost', dflt]] as const) {
      const r = await curl(`https://${name}:${w.port}/`, pki.root, resolve(name, w.port));
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).url, `https://${name}:${w.port}/`);
      // uSockets matches SNI names case-sensitively (curl, like browsers, sends them lower-cased;
      // node's tls.connect sends them as given): there a mixed-case name gets the default pair.
      const expected = backend === 'uws' && name !== name.toLowerCase() ? dflt : leaf;
      assert.equal((await servedCertificate(w.port, name)).fingerprint, expected.fingerprint, name);
    }
    // One label only for a wildcard, and an unknown name: the default pair (which curl then rejects for the name).
    for (const name of ['x.y.apps.test', 'apps.test', 'other.test']) {
      assert.equal((await servedCertificate(w.port, name)).fingerprint, dflt.fingerprint, name);
    }
    // The app's routes answer on an SNI name's connections too, WebSockets included (uws replays them per name).
    assert.equal(await wssEcho(`wss://127.0.0.1:${w.port}/ws`, { ca: fs.readFileSync(pki.root), servername: 'www.shop.test', headers: { host: `www.shop.test:${w.port}` } }, 'sni'), 'echo:sni');
    assert.doesNotMatch(w.proc.stdout(), /SNI/, 'no uWS debug lines in the access log stream');
    const noSni = await run('openssl', ['s_client', '-connect', `127.0.0.1:${w.port}`, '-noservername'], '');
    assert.match(noSni.stdout, /subject=CN ?= ?localhost/);
  });
});
}

describe('mutual TLS', () => {
  for (const appFile of ['tls-app.mjs', 'tls-node-app.mjs']) {
    test(`--ca-certs (require by default): no certificate fails the handshake; alice's subject reaches the ${appFile === 'tls-app.mjs' ? 'fetch' : 'node-style'} app, unspoofable`, async () => {
      const w = await worker(['--ca-certs', pki.bundle()], appFile);
      const url = `https://localhost:${w.port}/`;
      const without = await curl(url, pki.root);
      assert.notEqual(without.code, 0, 'a client without a certificate is refused');
      const spoof = ['-H', 'x-client-subject: CN=admin', '-H', 'X-Client-Verified: SUCCESS'];
      const r = await curl(url, pki.root, ['--cert', alice.cert, '--key', alice.key, ...spoof]);
      assert.equal(r.code, 0, r.stderr);
      const body = JSON.parse(r.stdout);
      assert.equal(body.verified, 'SUCCESS');
      assert.equal(body.subject, 'CN=alice,O=Circus Tests');
    });
  }

  test('--cert-reqs request: without a certificate the app sees NONE (a sent x-client-subject is dropped), with one the subject', async () => {
    const w = await worker(['--ca-certs', pki.bundle(), '--cert-reqs', 'request']);
    const url = `https://localhost:${w.port}/`;
    const anon = await curl(url, pki.root, ['-H', 'x-client-subject: CN=admin']);
    assert.equal(anon.code, 0, anon.stderr);
    assert.deepEqual([JSON.parse(anon.stdout).verified, JSON.parse(anon.stdout).subject], ['NONE', null]);
    const other = new TestPki(path.join(tmp, 'other-ca')).client('mallory', 'mallory');
    const foreign = await curl(url, pki.root, ['--cert', other.cert, '--key', other.key]);
    assert.equal(foreign.code, 0, foreign.stderr);
    assert.match(JSON.parse(foreign.stdout).verified, /^FAILED:/);
    assert.equal(JSON.parse(foreign.stdout).subject, null);
    const r = await curl(url, pki.root, ['--cert', alice.cert, '--key', alice.key]);
    assert.equal(JSON.parse(r.stdout).subject, 'CN=alice,O=Circus Tests');
  });
});
