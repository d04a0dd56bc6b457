import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeFd, createListener, describeListeningFd } from '../../sys/sockets.js';

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

test('a held socket queues connections without accepting them', async () => {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  try {
    const port = (l.address as { port: number }).port;
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(); });
      c.on('error', reject);
    });
  } finally {
    closeFd(l.fd);
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
