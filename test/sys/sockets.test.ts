import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeFd, createListener, describeListeningFd } from '../../sys/sockets.js';
import { acceptQueue } from '../helpers/proc-net.js';
import { waitFor } from '../helpers/process.js';

test('createListener binds TCP v4, v6 and Unix sockets that describeListeningFd recognises', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sock-'));
  const v4 = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const v6 = createListener({ address: { family: 'AF_INET6', host: '::1', port: 0 } });
  const ux = createListener({ address: { family: 'AF_UNIX', path: path.join(dir, 's.sock') }, mode: 0o600 });
  try {
    assert.match(describeListeningFd(v4.fd).label, /^127\.0\.0\.1:\d+$/);
    assert.match(describeListeningFd(v6.fd).label, /^\[::1\]:\d+$/);
    assert.equal(describeListeningFd(ux.fd).label, `unix:${path.join(dir, 's.sock')}`);
    assert.equal(fs.statSync(path.join(dir, 's.sock')).mode & 0o777, 0o600);
  } finally {
    [v4, v6, ux].forEach((l) => closeFd(l.fd));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a held socket queues connections without accepting them: they wait in its accept queue', async () => {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const port = (l.address as { port: number }).port;
  const clients: net.Socket[] = [];
  let server: net.Server | undefined;
  try {
    // The kernel completes the handshake whether or not anyone accepts, so a connect proves
    // nothing by itself: the connections must still be counted in the accept queue.
    for (let i = 0; i < 3; i++) {
      const c = net.connect(port, '127.0.0.1');
      clients.push(c);
      await new Promise<void>((resolve, reject) => c.once('connect', resolve).once('error', reject));
    }
    await waitFor(() => acceptQueue(port) === 3, 'three connections in the accept queue', 5000);
    // Watched for a while: nobody takes them.
    const until = Date.now() + 500;
    while (Date.now() < until) {
      assert.equal(acceptQueue(port), 3, 'a connection left the accept queue: something accepted it');
      await new Promise((r) => setTimeout(r, 50));
    }
    // The measure can tell: a server accepting on the same fd empties the queue.
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server!.listen({ fd: l.fd }, resolve));
    await waitFor(() => acceptQueue(port) === 0, 'the accepting server to empty the queue', 5000);
  } finally {
    clients.forEach((c) => c.destroy());
    if (server) await new Promise((r) => server!.close(r)); // closes the fd it took over
    else closeFd(l.fd);
  }
});

test('describeListeningFd names the fd for each bad case', () => {
  assert.throws(() => describeListeningFd(987), /fd 987 is not open/);
  const file = fs.openSync(__filename_of(), 'r');
  try {
    assert.throws(() => describeListeningFd(file), (e: any) => e.code === 'ENOTSOCK' && e.message.includes(`fd ${file}`));
  } finally {
    fs.closeSync(file);
  }
});

test('bind failure reports errno and address', () => {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  try {
    const port = (l.address as { port: number }).port;
    assert.throws(
      () => createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port } }),
      (e: any) => e.code === 'EADDRINUSE' && e.message.includes(`127.0.0.1:${port}`),
    );
  } finally {
    closeFd(l.fd);
  }
});

function __filename_of(): string {
  return new URL(import.meta.url).pathname;
}
