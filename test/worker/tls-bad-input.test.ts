// TLS bad input: every mistake ends the worker at start with exit 2 and one line naming the file,
// flag or name (docs/exit-codes.md); a key other users can read is served with a warning; an
// encrypted key is opened with a passphrase from a file or the environment, never argv.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertOthersCanReach, killAll, waitForOutput } from '../helpers/process.js';
import { app, closeFd, runWorker, tcpListener, workerOnFd } from '../helpers/worker.js';
import { BACKENDS } from '../helpers/uws-available.js';
import { curl, TestPki, type Leaf } from '../helpers/tls.js';

after(killAll);

let tmp: string;
let pki: TestPki;
let leaf: Leaf;
let other: Leaf;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-tls-bad-'));
  pki = new TestPki(tmp);
  leaf = pki.server('localhost', ['localhost', '127.0.0.1']);
  other = pki.server('other', ['other.test']);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o600): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text, { mode });
  fs.chmodSync(f, mode);
  return f;
}

async function exits2(args: string[], message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const p = runWorker(['--bind', '127.0.0.1:0', ...args, app('tls-app.mjs')], { env: { ...process.env, ...env } });
  const { code } = await p.exited;
  assert.equal(code, 2, `exit ${code}; stderr: ${p.stderr()}`);
  const lines = p.stderr().trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${p.stderr()}`);
  assert.match(lines[0], message);
}

test('--certfile without --keyfile, and the other way round: exit 2 naming the missing flag', async () => {
  await exits2(['--certfile', leaf.chain], /--certfile given without --keyfile/);
  await exits2(['--keyfile', leaf.key], /--keyfile given without --certfile/);
  await exits2(['--ca-certs', pki.root], /--ca-certs given without --certfile and --keyfile/);
});

test('a missing, malformed or corrupted certificate file: exit 2 naming it', async () => {
  const missing = path.join(tmp, 'nope.pem');
  await exits2(['--certfile', missing, '--keyfile', leaf.key], new RegExp(`--certfile ${missing} does not exist`));
  const junk = file('junk.pem', 'not a certificate\n');
  await exits2(['--certfile', junk, '--keyfile', leaf.key], new RegExp(`--certfile ${junk} holds no PEM certificate`));
  const corrupt = file('corrupt.pem', '-----BEGIN CERTIFICATE-----\nAAAAbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
  await exits2(['--certfile', corrupt, '--keyfile', leaf.key], new RegExp(`--certfile ${corrupt}: certificate 1 of 1 does not parse`));
  await exits2(['--certfile', tmp, '--keyfile', leaf.key], new RegExp(`--certfile ${tmp} is a directory`));
});

test('a malformed key, or a key of another certificate: exit 2 naming the files', async () => {
  const junk = file('junk.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  await exits2(['--certfile', leaf.chain, '--keyfile', junk], new RegExp(`--keyfile ${junk} is not a PEM private key`));
  await exits2(['--certfile', leaf.chain, '--keyfile', other.key], new RegExp(`--keyfile ${other.key} is not the key of the certificate in --certfile ${leaf.chain}`));
});

test('an encrypted key: without a passphrase, or with a wrong one, exit 2; from a file or CIRCUS_KEYFILE_PASSWORD it serves (both backends)', async () => {
  const enc = pki.encrypt(leaf.key, 'correct horse');
  await exits2(['--certfile', leaf.chain, '--keyfile', enc], new RegExp(`--keyfile ${enc} is encrypted and no passphrase was given \\(--keyfile-password-file or CIRCUS_KEYFILE_PASSWORD\\)`));
  await exits2(['--certfile', leaf.chain, '--keyfile', enc], new RegExp(`--keyfile ${enc} cannot be decrypted with the passphrase given`), { CIRCUS_KEYFILE_PASSWORD: 'wrong' });
  await exits2(['--certfile', leaf.chain, '--keyfile', enc, '--keyfile-password-file', path.join(tmp, 'none.txt')], /--keyfile-password-file .*none\.txt cannot be read \(ENOENT\)/);
  const passFile = file('pass.txt', 'correct horse\n');
  for (const backend of BACKENDS) {
    for (const [how, args, env] of [
      ['file', ['--keyfile-password-file', passFile], {}],
      ['env', [], { CIRCUS_KEYFILE_PASSWORD: 'correct horse' }],
    ] as const) {
      const listener = tcpListener();
      try {
        const w = await workerOnFd(listener, ['--backend', backend, '--certfile', leaf.chain, '--keyfile', enc, ...args, app('tls-app.mjs')], env);
        const r = await curl(`https://localhost:${(w.target as { port: number }).port}/`, pki.root);
        assert.equal(r.code, 0, `${backend} passphrase from ${how}: ${r.stderr}`);
        assert.equal(JSON.parse(r.stdout).passwordInEnv, false, 'the app does not see CIRCUS_KEYFILE_PASSWORD');
        assert.doesNotMatch(w.proc.stderr(), /correct horse/);
      } finally {
        closeFd(listener.fd);
      }
    }
  }
});

test('a key file every user can read: one warning naming it, and the worker serves', async () => {
  const open = file('open.key', fs.readFileSync(leaf.key, 'utf8'), 0o644);
  const listener = tcpListener();
  try {
    const w = await workerOnFd(listener, ['--backend', 'node', '--certfile', leaf.chain, '--keyfile', open, app('tls-app.mjs')]);
    assert.match(w.proc.stderr(), new RegExp(`warn: --keyfile ${open} can be read by other users \\(mode 0644\\)`));
    const r = await curl(`https://localhost:${(w.target as { port: number }).port}/`, pki.root);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    closeFd(listener.fd);
  }
});

test('a worker running as another user (the supervisor\'s uid): a key only root can read is exit 2; the same key owned by that user serves', { skip: process.getuid?.() !== 0 ? 'needs root to start a worker as another user' : false }, async () => {
  assertOthersCanReach();
  fs.chmodSync(tmp, 0o755); // the other keys in it stay 0600
  const dir = fs.mkdtempSync(path.join(tmp, 'uid-'));
  fs.chmodSync(dir, 0o755);
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  fs.copyFileSync(leaf.chain, cert);
  fs.copyFileSync(leaf.key, key);
  fs.chmodSync(cert, 0o644);
  fs.chmodSync(key, 0o600);
  const asNobody = (extra: string[] = []) => runWorker(['--bind', '127.0.0.1:0', '--certfile', cert, '--keyfile', key, ...extra, app('tls-app.mjs')], { uid: 65534, gid: 65534 });
  const denied = asNobody();
  assert.equal((await denied.exited).code, 2, denied.stderr());
  assert.match(denied.stderr(), new RegExp(`--keyfile ${key} is not readable by this user`));
  fs.chownSync(key, 65534, 65534);
  const allowed = asNobody(['--backend', 'node']);
  const m = await waitForOutput(allowed, /serving https:\/\/127\.0\.0\.1:(\d+)/);
  const r = await curl(`https://localhost:${m[1]}/`, pki.root);
  assert.equal(r.code, 0, r.stderr);
  allowed.child.kill('SIGTERM');
  assert.equal((await allowed.exited).code, 0);
});

test('--sni: a name given twice, a malformed entry, a bad name: exit 2 naming it', async () => {
  const base = ['--certfile', leaf.chain, '--keyfile', leaf.key];
  await exits2([...base, '--sni', `a.test,b.test=${other.chain}:${other.key}`, '--sni', `B.test=${leaf.chain}:${leaf.key}`], /--sni name 'b\.test' is given twice/);
  await exits2([...base, '--sni', `a.test=${other.chain}`], /--sni 'a\.test=.*' is not NAME\[,NAME\.\.\.\]=CERTFILE:KEYFILE/);
  await exits2([...base, '--sni', `a..test=${other.chain}:${other.key}`], /'a\.\.test' is not a host name or a \*\.wildcard/);
  await exits2([...base, '--sni', `a.test=${other.chain}:${leaf.key}`], new RegExp(`--sni a\\.test key ${leaf.key} is not the key of the certificate in --sni a\\.test certificate ${other.chain}`));
});

test('--cert-reqs without --ca-certs, and an unreadable --ca-certs: exit 2', async () => {
  const base = ['--certfile', leaf.chain, '--keyfile', leaf.key];
  await exits2([...base, '--cert-reqs', 'require'], /--cert-reqs require needs --ca-certs FILE/);
  await exits2([...base, '--ca-certs', path.join(tmp, 'no-ca.pem')], /--ca-certs .*no-ca\.pem cannot be read \(ENOENT\)/);
});
