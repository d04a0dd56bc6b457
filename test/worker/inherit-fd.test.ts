// The worker adopts a listening socket created by someone else: a Node parent, a Python parent
// (as circusd does with pass_fds), and systemd-socket-activate (LISTEN_FDS).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { killAll, start, waitFor, waitForOutput } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { app, closeFd, tcpListener, unixListener, workerOnFd, WORKER_CLI } from '../helpers/worker.js';

after(killAll);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-inherit-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

for (const [label, make] of [
  ['TCP v4', () => tcpListener('127.0.0.1')],
  ['TCP v6', () => tcpListener('::1')],
  ['Unix', () => unixListener(path.join(tmp, `w-${Date.now()}.sock`))],
] as const) {
  for (const [kind, file] of [['fetch', 'fetch-app.ts'], ['node', 'node-app.mjs']] as const) {
    test(`node backend serves a ${kind} handler on an inherited ${label} fd from a Node parent`, async () => {
      const listener = make();
      try {
        const w = await workerOnFd(listener, ['--backend', 'node', app(file)]);
        assert.match(w.proc.stderr(), new RegExp(`backend=node handler=${kind}`));
        const r = await request(w.target, '/');
        assert.equal(r.status, 200);
        assert.equal(r.body, `ok ${w.proc.child.pid}`);
        w.proc.child.kill('SIGTERM');
        assert.deepEqual(await w.proc.exited, { code: 0, signal: null });
      } finally {
        closeFd(listener.fd);
      }
    });
  }
}

test('two workers on one inherited fd both receive connections', async () => {
  const listener = tcpListener();
  try {
    const a = await workerOnFd(listener, ['--backend', 'node', app('fetch-app.ts')]);
    const b = await workerOnFd(listener, ['--backend', 'node', app('fetch-app.ts')]);
    const pids = new Set<string>();
    await waitFor(async () => {
      pids.add((await request(a.target)).body);
      return pids.size === 2;
    }, 'both workers to answer', 30000, 0);
    assert.deepEqual([...pids].sort(), [`ok ${a.proc.child.pid}`, `ok ${b.proc.child.pid}`].sort());
  } finally {
    closeFd(listener.fd);
  }
});

const PY_PARENT = `
import socket, subprocess, sys
fam = socket.AF_INET6 if sys.argv[1] == '::1' else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0))
s.listen(128)
print('PORT', s.getsockname()[1], flush=True)
fd = s.fileno()
p = subprocess.Popen([sys.argv[2], sys.argv[3], '--fd', str(fd), '--backend', 'node', sys.argv[4]], pass_fds=[fd])
sys.exit(p.wait())
`;

for (const host of ['127.0.0.1', '::1']) {
  test(`a Python parent passing the fd like circusd (pass_fds), ${host}`, async () => {
    const py = start('python3', ['-c', PY_PARENT, host, process.execPath, WORKER_CLI, app('fetch-app.ts')]);
    const [, port] = await waitForOutput(py, /PORT (\d+)/);
    await waitForOutput(py, /serving \S+ \(fd \d+\) backend=node handler=fetch/);
    const r = await request({ host, port: Number(port) });
    assert.equal(r.status, 200);
    assert.match(r.body, /^ok \d+$/);
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('systemd socket activation (systemd-socket-activate, LISTEN_FDS)', { skip: !fs.existsSync('/usr/bin/systemd-socket-activate') && 'systemd-socket-activate is not installed' }, async () => {
  const port = await freePort();
  const sd = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, process.execPath, WORKER_CLI, '--backend', 'node', app('fetch-app.ts')]);
  await waitForOutput(sd, /Listening on/);
  // The first connection makes systemd-socket-activate exec the worker; it waits in the backlog.
  const r = await request({ host: '127.0.0.1', port }, '/', { timeoutMs: 30000 });
  assert.equal(r.status, 200);
  assert.match(sd.stderr(), new RegExp(`serving 127\\.0\\.0\\.1:${port} \\(systemd\\) backend=node`));
});
