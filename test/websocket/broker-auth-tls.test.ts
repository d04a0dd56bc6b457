// --pubsub to a Redis that wants a password (redis://:password@…) and to one that speaks only TLS
// (rediss://, a self-signed certificate the worker trusts through NODE_EXTRA_CA_CERTS): messages
// cross between two workers; a wrong password leaves the worker serving, saying so once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, waitFor } from '../helpers/process.js';
import { Redis } from '../helpers/redis.js';
import { brokerWorker, flush, member, PUBSUB_APP, pubsubOf, seen, stopAll } from './broker-support.js';
import { startWsWorker, type WsWorker } from './support.js';

after(killAll);

/** Two workers on `url`; a client on B publishes, A's client gets it once. */
async function crosses(url: string, redis: Redis, env: NodeJS.ProcessEnv = {}): Promise<void> {
  let a: WsWorker | undefined, b: WsWorker | undefined;
  const saved = { ...process.env };
  Object.assign(process.env, env); // startWsWorker passes the test's environment on
  try {
    a = await brokerWorker('node', url);
    b = await brokerWorker('node', url);
    const a1 = await member(a, 'a1');
    const b1 = await member(b, 'b1');
    await waitFor(async () => (await redis.numsub('circus:room')) === 2, 'both workers subscribed');
    b1.ws.send(Buffer.from([0, 255]));
    await flush(b1, [a1]);
    assert.deepEqual(seen(a1), ['bin:00ff']);
    assert.equal((await pubsubOf(a)).state, 'connected');
  } finally {
    process.env = saved;
    await stopAll(a, b);
  }
}

describe('--pubsub with AUTH and TLS', () => {
  test('redis://:password@ authenticates; a wrong password: the worker serves, one line, never connected', async () => {
    const redis = await Redis.start(undefined, ['--requirepass', 's3cret'], ['-a', 's3cret', '--no-auth-warning']);
    let w: WsWorker | undefined;
    try {
      await crosses(`redis://:s3cret@127.0.0.1:${redis.port}`, redis);
      w = await startWsWorker('node', ['--pubsub', `redis://:wrong@127.0.0.1:${redis.port}`, '--health-path', '/healthz'], {}, PUBSUB_APP);
      await waitFor(() => /pubsub: broker \S+ unreachable \(\w+ connection: AUTH refused: WRONGPASS/.test(w!.proc.stderr()), 'the AUTH line');
      assert.equal((await (await fetch(`http://127.0.0.1:${w.port}/`)).text()), 'hello');
      assert.equal((await pubsubOf(w)).state, 'down');
      assert.equal(w.proc.stderr().match(/unreachable/g)?.length, 1, w.proc.stderr());
    } finally {
      await stopAll(w, redis);
    }
  });

  test('rediss:// speaks TLS to a Redis with a certificate the worker trusts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-rediss-'));
    let redis: Redis | undefined;
    try {
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      redis = await Redis.start(undefined, ['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'], ['--tls', '--cacert', cert]);
      await crosses(`rediss://127.0.0.1:${redis.port}`, redis, { NODE_EXTRA_CA_CERTS: cert });
    } finally {
      await stopAll(redis);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
