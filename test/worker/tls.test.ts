// TLS on both backends with real clients: curl, openssl s_client, Node's fetch and https, a wss://
// client. The certificates are made here (test/helpers/tls.ts); the worker serves an inherited fd,
// shared by two workers, the way a supervisor runs it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { killAll, start, waitFor, waitForOutput } from '../helpers/process.js';
import { app, closeFd, tcpListener, workerOnFd, runWorker, WORKER_CLI } from '../helpers/worker.js';
import { BACKENDS, uwsBuild } from '../helpers/uws-available.js';
import { curl, httpsGet, run, TestPki, wssEcho, type Leaf } from '../helpers/tls.js';

after(killAll);

let tmp: string;
let pki: TestPki;
let leaf: Leaf;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tls-'));
  pki = new TestPki(tmp);
  leaf = pki.server('localhost', ['localhost', '127.0.0.1']);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tlsArgs = () => ['--certfile', leaf.chain, '--keyfile', leaf.key];

for (const backend of BACKENDS) {
  describe(`TLS on the ${backend} backend`, () => {
    test('two workers on one inherited fd both serve https:// (curl trusting only the root: the chain is served)', async () => {
      const listener = tcpListener();
      try {
        const a = await workerOnFd(listener, ['--backend', backend, ...tlsArgs(), app('tls-app.mjs')]);
        const b = await workerOnFd(listener, ['--backend', backend, ...tlsArgs(), app('tls-app.mjs')]);
        assert.match(a.proc.stderr(), new RegExp(`serving https://\\S+ .* backend=${backend}`));
        const port = (a.target as { port: number }).port;
        const pids = new Set<number>();
        await waitFor(async () => {
          const r = await curl(`https://localhost:${port}/path?q=1`, pki.root);
          assert.equal(r.code, 0, `curl failed: ${r.stderr}`);
          const body = JSON.parse(r.stdout);
          assert.equal(body.url, `https://localhost:${port}/path?q=1`);
          pids.add(body.pid);
          return pids.size === 2;
        }, 'both workers to answer over TLS', 60000, 0);
        assert.deepEqual([...pids].sort(), [a.proc.child.pid, b.proc.child.pid].sort());
      } finally {
        closeFd(listener.fd);
      }
    });

    test('openssl s_client: TLS 1.1 refused, TLS 1.2 and 1.3 accepted, leaf and intermediate served', async () => {
      const listener = tcpListener();
      try {
        const w = await workerOnFd(listener, ['--backend', backend, ...tlsArgs(), app('tls-app.mjs')]);
        const connect = `127.0.0.1:${(w.target as { port: number }).port}`;
        const old = await run('openssl', ['s_client', '-connect', connect, '-tls1_1'], '');
        assert.notEqual(old.code, 0);
        assert.match(old.stdout + old.stderr, /alert protocol version|no protocols available|unsupported protocol/i);
        for (const v of ['-tls1_2', '-tls1_3']) {
          const r = await run('openssl', ['s_client', '-connect', connect, v, '-servername', 'localhost', '-showcerts', '-CAfile', pki.root, '-verify_return_error'], '');
          assert.equal(r.code, 0, `${v}: ${r.stderr}`);
          assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
          assert.equal((r.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'leaf and intermediate');
          assert.match(r.stdout, /Protocol\s*: TLSv1\.[23]|New, TLSv1\.[23]/);
        }
      } finally {
        closeFd(listener.fd);
      }
    });

    test("Node's fetch (NODE_EXTRA_CA_CERTS) and https with the CA; a wss:// client echoes", async () => {
      const listener = tcpListener();
      try {
        const w = await workerOnFd(listener, ['--backend', backend, ...tlsArgs(), app('tls-app.mjs')]);
        const port = (w.target as { port: number }).port;
        // Node's fetch has no CA option: a child trusts the test root through NODE_EXTRA_CA_CERTS.
        const child = await new Promise<string>((resolve, reject) => {
          execFile(process.execPath, ['-e', `fetch('https://localhost:${port}/f').then(r => r.json()).then(b => console.log(b.url))`], { env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.root }, timeout: 30000 }, (err, out, errOut) =>
            err ? reject(new Error(errOut)) : resolve(out.trim()),
          );
        });
        assert.equal(child, `https://localhost:${port}/f`);
        const r = await httpsGet(port, '/h', { ca: fs.readFileSync(pki.root) });
        assert.equal(r.status, 200);
        assert.equal(JSON.parse(r.body).url, `https://localhost:${port}/h`);
        assert.equal(await wssEcho(`wss://localhost:${port}/ws`, { ca: fs.readFileSync(pki.root) }, 'over tls'), 'echo:over tls');
      } finally {
        closeFd(listener.fd);
      }
    });

    test('under systemd socket activation (systemd-socket-activate, LISTEN_FDS)', { skip: !fs.existsSync('/usr/bin/systemd-socket-activate') && 'systemd-socket-activate is not installed' }, async () => {
      // systemd-socket-activate needs a port number up front: one the kernel just handed out.
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise((r) => probe.close(r));
      // systemd-socket-activate (systemd 257) passes no environment: the uWS build goes by flag.
      const sd = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, process.execPath, WORKER_CLI, '--backend', backend, '--uws-module', uwsBuild.module, ...tlsArgs(), app('tls-app.mjs')]);
      await waitForOutput(sd, /Listening on/);
      // The first connection makes systemd-socket-activate exec the worker; it waits in the backlog.
      const r = await curl(`https://localhost:${port}/sd`, pki.root);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).url, `https://localhost:${port}/sd`);
      assert.match(sd.stderr(), new RegExp(`serving https://127\\.0\\.0\\.1:${port} \\(systemd\\) backend=${backend}`));
    });

    test('a plain-HTTP request on the TLS port is not answered as HTTP, and the worker keeps serving', async () => {
      const listener = tcpListener();
      try {
        const w = await workerOnFd(listener, ['--backend', backend, ...tlsArgs(), app('tls-app.mjs')]);
        const port = (w.target as { port: number }).port;
        const plain = await run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`]);
        assert.notEqual(plain.code, 0);
        const r = await curl(`https://localhost:${port}/`, pki.root);
        assert.equal(r.code, 0, r.stderr);
      } finally {
        closeFd(listener.fd);
      }
    });
  });
}

test('--ssl-min-version 1.3: node refuses TLS 1.2; --backend uws refuses the flag (exit 2); auto picks node and says so', async () => {
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--ssl-min-version', '1.3', ...tlsArgs(), app('tls-app.mjs')]);
    assert.equal(w.backend, 'node');
    if (BACKENDS.includes('uws')) assert.match(w.proc.stderr(), /serving with the node backend: uWebSockets\.js cannot serve --ssl-min-version TLSv1\.3/);
    const connect = `127.0.0.1:${(w.target as { port: number }).port}`;
    const r12 = await run('openssl', ['s_client', '-connect', connect, '-tls1_2'], '');
    assert.notEqual(r12.code, 0);
    const r13 = await run('openssl', ['s_client', '-connect', connect, '-tls1_3'], '');
    assert.equal(r13.code, 0, r13.stderr);
  } finally {
    closeFd(listener.fd);
  }
  if (BACKENDS.includes('uws')) {
    const p = runWorker(['--bind', '127.0.0.1:0', '--backend', 'uws', '--ssl-min-version', '1.3', ...tlsArgs(), app('tls-app.mjs')]);
    const { code } = await p.exited;
    assert.equal(code, 2);
    assert.match(p.stderr(), /error: the uws backend cannot serve --ssl-min-version TLSv1\.3/);
  }
});
