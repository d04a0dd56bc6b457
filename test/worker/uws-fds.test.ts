// The uws backend on inherited listening sockets: TCP v4, v6 and Unix from a Node parent, a
// Python parent, and several workers sharing one socket.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeFd, createListener } from '../../sys/sockets.js';
import { killAll, start, waitFor, waitForOutput } from '../helpers/process.js';
import { request, type Target } from '../helpers/http.js';
import { FETCH_APP, ready, runWorkerOnFd, WORKER_CLI as CLI } from '../helpers/worker.js';
import { uwsBuild, uwsSkip } from '../helpers/uws-available.js';

after(killAll);

const cases: Array<{ name: string; make(dir: string): { fd: number; target: Target } }> = [
  {
    name: 'TCP v4',
    make() {
      const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
      return { fd: l.fd, target: { host: '127.0.0.1', port: (l.address as { port: number }).port } };
    },
  },
  {
    name: 'TCP v6',
    make() {
      const l = createListener({ address: { family: 'AF_INET6', host: '::1', port: 0 } });
      return { fd: l.fd, target: { host: '::1', port: (l.address as { port: number }).port } };
    },
  },
  {
    name: 'Unix',
    make(dir) {
      const socketPath = path.join(dir, 'uws.sock');
      const l = createListener({ address: { family: 'AF_UNIX', path: socketPath } });
      return { fd: l.fd, target: { socketPath } };
    },
  },
];

for (const c of cases) {
  test(`uws serves an inherited ${c.name} socket from a Node parent`, { skip: uwsSkip }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-uws-'));
    const { fd, target } = c.make(dir);
    try {
      const w = runWorkerOnFd(fd, ['--backend', 'uws', FETCH_APP]);
      assert.equal(await ready(w), 'uws');
      const r = await request(target, '/pid');
      assert.equal(r.status, 200);
      assert.equal(r.body, String(w.child.pid));
      const h = await request(target, '/headers?x=1', { headers: { 'x-custom': 'yes' } });
      const seen = h.json();
      assert.equal(seen.custom, 'yes');
      assert.match(seen.url, /^http:\/\/.+\/headers\?x=1$/);
      w.child.kill('SIGTERM');
      assert.equal((await w.exited).code, 0);
    } finally {
      closeFd(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

const PYTHON_PARENT = `
import os, signal, socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(128)
env = dict(os.environ, CIRCUS_PARENT_PID=str(os.getpid()))
child = subprocess.Popen([sys.argv[1], sys.argv[2], '--fd', str(s.fileno()), '--backend', 'uws', sys.argv[3]], pass_fds=[s.fileno()], env=env)
print('port', s.getsockname()[1], 'child', child.pid, flush=True)
# Only forward the signal: waiting inside the handler would deadlock with the wait below.
signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())
sys.exit(child.wait())
`;

test('uws serves a socket inherited from a Python parent (pass_fds)', { skip: uwsSkip }, async () => {
  const py = start('python3', ['-c', PYTHON_PARENT, process.execPath, CLI, FETCH_APP]);
  const m = await waitForOutput(py, /port (\d+) child (\d+)/);
  await waitForOutput(py, /serving .* backend=uws/, 30000);
  const r = await request({ host: '127.0.0.1', port: Number(m[1]) }, '/pid');
  assert.equal(r.status, 200);
  assert.equal(r.body, m[2]);
  py.child.kill('SIGTERM');
  assert.equal((await py.exited).code, 0, 'the worker drained and exited 0 under the Python parent');
});

test('several uws workers on one inherited socket all receive traffic', { skip: uwsSkip }, async () => {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const target = { host: '127.0.0.1', port: (l.address as { port: number }).port };
  try {
    const workers = [0, 1].map(() => runWorkerOnFd(l.fd, ['--backend', 'uws', FETCH_APP]));
    await Promise.all(workers.map(ready));
    const pids = new Set<string>();
    // Each request keeps its worker busy for 20 ms, so concurrent connections spread out.
    await waitFor(async () => {
      const replies = await Promise.all(Array.from({ length: 8 }, () => request(target, '/pid?spin=20')));
      for (const r of replies) pids.add(r.body);
      return pids.size === 2;
    }, 'both workers to answer', 30000, 0);
    assert.deepEqual([...pids].sort(), workers.map((w) => String(w.child.pid)).sort());
  } finally {
    closeFd(l.fd);
  }
});

test('uws serves a Unix socket it binds itself (--unix)', { skip: uwsSkip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-uws-'));
  const socketPath = path.join(dir, 'own.sock');
  try {
    const w = start(process.execPath, [CLI, '--unix', socketPath, '--backend', 'uws', FETCH_APP]);
    assert.equal(await ready(w), 'uws');
    assert.equal((await request({ socketPath }, '/pid')).body, String(w.child.pid));
    w.child.kill('SIGTERM');
    assert.equal((await w.exited).code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('uws under systemd socket activation (LISTEN_FDS)', { skip: uwsSkip || (!fs.existsSync('/usr/bin/systemd-socket-activate') && 'systemd-socket-activate is not installed') }, async () => {
  // A free port: bind one, note it, release it for systemd-socket-activate.
  const probe = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const port = (probe.address as { port: number }).port;
  closeFd(probe.fd);
  // systemd-socket-activate (systemd 257) passes the worker no environment: the build goes by flag.
  const sd = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, process.execPath, CLI, '--backend', 'uws', '--uws-module', uwsBuild.module, FETCH_APP]);
  await waitForOutput(sd, /Listening on/);
  // The first connection makes systemd-socket-activate exec the worker; it waits in the backlog.
  const r = await request({ host: '127.0.0.1', port }, '/pid');
  assert.equal(r.status, 200);
  assert.match(sd.stderr(), new RegExp(`serving 127\\.0\\.0\\.1:${port} \\(systemd\\) backend=uws`));
  sd.child.kill('SIGTERM');
  await sd.exited;
});
