import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { C, libc } from '../../sys/libc.js';
import { adoptOnto, newSocketFd, socketSnapshot } from '../../sys/adopt-fd.js';
import { closeFd, createListener, localAddress } from '../../sys/sockets.js';

const loopback = () => createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });

test('newSocketFd finds the one socket opened since the snapshot, even on a reused fd number', () => {
  const old = loopback();
  const before = socketSnapshot();
  assert.ok(before.get(old.fd)?.startsWith('socket:['));
  // Same number, different socket: must count as new.
  closeFd(old.fd);
  const fresh = loopback();
  try {
    assert.equal(fresh.fd, old.fd, 'the kernel reuses the lowest free fd');
    assert.equal(newSocketFd(before), fresh.fd);
  } finally {
    closeFd(fresh.fd);
  }
});

test('newSocketFd refuses to guess when zero or several sockets appeared', () => {
  const before = socketSnapshot();
  assert.throws(() => newSocketFd(before), (e: any) => e.code === 'EADOPT_AMBIGUOUS' && /found 0/.test(e.message));
  const a = loopback();
  const b = loopback();
  try {
    assert.throws(() => newSocketFd(before), (e: any) => e.code === 'EADOPT_AMBIGUOUS' && e.message.includes(`fds ${a.fd}, ${b.fd}`));
  } finally {
    closeFd(a.fd);
    closeFd(b.fd);
  }
});

async function acceptsOn(fd: number, connect: () => net.Socket): Promise<void> {
  const server = net.createServer((s) => s.end('adopted\n'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, resolve);
  });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      let data = '';
      const c = connect();
      c.on('data', (d) => (data += d));
      c.on('end', () => resolve(data));
      c.on('error', reject);
    });
    assert.equal(reply, 'adopted\n');
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('adoptOnto puts a blocking inherited TCP socket, non-blocking, on the placeholder fd and closes the original', async () => {
  const inherited = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 }, blocking: true });
  const placeholder = loopback();
  const lc = libc();
  assert.equal(lc.fcntl(inherited.fd, C.F_GETFL, 0) & C.O_NONBLOCK, 0);
  const cloexecBefore = lc.fcntl(placeholder.fd, C.F_GETFD, 0) & C.FD_CLOEXEC;
  adoptOnto(inherited.fd, placeholder.fd);
  assert.throws(() => fs.fstatSync(inherited.fd), /EBADF/);
  assert.deepEqual(localAddress(placeholder.fd), inherited.address);
  assert.notEqual(lc.fcntl(placeholder.fd, C.F_GETFL, 0) & C.O_NONBLOCK, 0);
  assert.equal(lc.fcntl(placeholder.fd, C.F_GETFD, 0) & C.FD_CLOEXEC, cloexecBefore);
  const port = (inherited.address as { port: number }).port;
  await acceptsOn(placeholder.fd, () => net.connect(port, '127.0.0.1'));
});

test('adoptOnto works for Unix sockets and reports a bad fd by number', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-adopt-'));
  const file = path.join(dir, 'a.sock');
  try {
    const inherited = createListener({ address: { family: 'AF_UNIX', path: file } });
    const placeholder = loopback();
    adoptOnto(inherited.fd, placeholder.fd);
    await acceptsOn(placeholder.fd, () => net.connect(file));
    assert.throws(() => adoptOnto(987, placeholder.fd), (e: any) => e.code === 'EBADF' && e.message.includes('fd 987'));
    assert.throws(() => adoptOnto(placeholder.fd, placeholder.fd), (e: any) => e.code === 'EADOPT_SAME');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
