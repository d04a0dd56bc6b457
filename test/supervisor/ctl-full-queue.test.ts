// circus-ctl against a Unix control socket whose accept queue is full: the kernel answers connect()
// with EAGAIN at once (TCP would retransmit its SYN), which under a flood of idle connections made
// a status command fail. The client retries while the queue drains, within its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createListener, closeFd } from '../../sys/sockets.js';
import { request } from '../../supervisor/ctl/client.js';

test('a command sent while the control socket\'s accept queue is full is answered once it drains', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ctlq-'));
  const file = path.join(dir, 'ctl.sock');
  const listener = createListener({ address: { family: 'AF_UNIX', path: file }, backlog: 1 });
  const fillers: net.Socket[] = [];
  let server: net.Server | undefined;
  try {
    // Fill the queue: connect until the kernel says EAGAIN (nobody accepts yet).
    let full = false;
    for (let i = 0; i < 64 && !full; i++) {
      full = await new Promise<boolean>((resolve) => {
        const s = net.connect(file, () => resolve(false));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EAGAIN'));
        fillers.push(s);
      });
    }
    assert.ok(full, 'the accept queue never filled');
    const answer = request(`unix://${file}`, 'status', {}, 20000);
    // Accept only after the client has met EAGAIN at least once: answer JSON lines, drop fillers.
    await new Promise((r) => setTimeout(r, 300));
    server = net.createServer((c) => {
      c.on('data', (d) => {
        const { id } = JSON.parse(d.toString().split('\n')[0]) as { id: string };
        c.end(JSON.stringify({ id, status: 'ok' }) + '\n');
      });
      c.on('error', () => {});
    });
    server.listen({ fd: listener.fd });
    for (const s of fillers) s.destroy();
    assert.equal((await answer).status, 'ok');
  } finally {
    for (const s of fillers) s.destroy();
    if (server) await new Promise((r) => server!.close(r));
    else closeFd(listener.fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
