// Starting, serving, respawning and stopping with real processes on loopback sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { closeFd, createListener } from '../../sys/sockets.js';
import { start, waitFor } from '../helpers/process.js';
import { SUPERVISOR_CLI as CLI, fixtureEnv, startSupervisor, tempDir, waitForRunning, workerWatcher, cleanup } from '../helpers/supervisor.js';
import { gone } from '../helpers/proc-stats.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

function fdTarget(pid: number, fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function socketFds(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => fd > 2 && fdTarget(pid, fd)?.startsWith('socket:')).sort((a, b) => a - b);
}

test('the seed configuration serves through 5 workers that all hold the one listening socket', async () => {
  const r = await startSupervisor('seed.ini');
  const pids = await waitForRunning(r, 'dummy', 5);
  const sockets = (await r.ok('listsockets')).sockets as { name: string; fd: number; address: string }[];
  assert.equal(sockets.length, 1);
  const held = fdTarget(r.proc.child.pid!, sockets[0].fd);
  assert.match(held!, /^socket:/);
  for (const pid of pids) assert.equal(fdTarget(pid, 3), held, `worker ${pid} fd 3 is the supervisor's socket`);
  const address = r.sockets.get('foo')!;
  for (let i = 0; i < 20; i++) {
    const a = await request(address);
    assert.equal(a.status, 200);
    assert.ok(pids.includes(a.json().pid), `answered by a watcher process (${a.json().pid})`);
    assert.deepEqual(a.json().argv, ['3']);
  }
});

test('substitution: both socket syntaxes, wid and env; each child gets only its watcher’s sockets', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:both]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
args = ((circus.sockets.admin)) wid=$(circus.wid) home=$(circus.env.CW_TEST_DIR)
use_sockets = True
numprocesses = 2
env = FIXTURE_ECHO=admin-fd-((circus.sockets.admin))

[watcher:admin]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs ((circus.sockets.admin))
use_sockets = True

[socket:web]
host = 127.0.0.1
port = 0

[socket:admin]
path = ${dir}/admin.sock
umask = 077

[socket:unused]
host = ::1
port = 0
`,
    { dir },
  );
  const both = await waitForRunning(r, 'both', 2);
  const [adminPid] = await waitForRunning(r, 'admin', 1);
  const a = await request(r.sockets.get('web')!);
  assert.deepEqual(a.json().argv, ['3', '4', `wid=${a.json().wid}`, `home=${dir}`]);
  assert.ok(['1', '2'].includes(a.json().wid));
  assert.equal(a.json().env, 'admin-fd-4');
  const b = await request(`unix:${dir}/admin.sock`);
  assert.deepEqual(b.json().argv, ['3']);
  assert.equal(b.json().pid, adminPid);
  assert.equal(fs.statSync(`${dir}/admin.sock`).mode & 0o777, 0o700);
  // web + admin + readiness channel; the unused v6 socket never reaches a child.
  for (const pid of both) assert.deepEqual(socketFds(pid).filter((fd) => fd <= 5), [3, 4, 5]);
  assert.deepEqual(socketFds(adminPid).filter((fd) => fd <= 4), [3, 4]);
  assert.equal(fdTarget(adminPid, 3), fdTarget(both[0], 4));
});

test('a killed worker is respawned at once; connections queue while no worker runs', async () => {
  const r = await startSupervisor('seed.ini');
  const pids = await waitForRunning(r, 'dummy', 5);
  process.kill(pids[0], 'SIGKILL');
  const after = await waitFor(async () => {
    const now = await waitForRunning(r, 'dummy', 5);
    return !now.includes(pids[0]) && now;
  }, 'a replacement for the killed worker', 15000);
  assert.equal((after as number[]).filter((p) => !pids.includes(p)).length, 1);
  await r.ok('stop', { name: 'dummy' });
  assert.equal((await r.ok('status', { name: 'dummy' })).status, 'stopped');
  // No worker: the connection is still accepted by the kernel (backlog), and answered later.
  const connected = await new Promise<boolean>((resolve) => {
    const [host, port] = r.sockets.get('foo')!.split(':');
    const c = net.connect(Number(port), host, () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
  assert.equal(connected, true);
  const pending = request(r.sockets.get('foo')!, '/', { timeoutMs: 30000 });
  await r.ok('start', { name: 'dummy' });
  assert.equal((await pending).status, 200);
});

test('SIGTERM stops every worker gracefully and exits 0; the socket is closed', async () => {
  const r = await startSupervisor('seed.ini');
  const pids = await waitForRunning(r, 'dummy', 5);
  r.proc.child.kill('SIGTERM');
  const { code } = await r.proc.exited;
  assert.equal(code, 0, r.proc.stderr());
  for (const pid of pids) assert.ok(gone(pid), `worker ${pid} is gone`);
  assert.match(r.proc.stderr(), /stopped \(exit 0\)/);
  await assert.rejects(request(r.sockets.get('foo')!), /ECONNREFUSED/);
  assert.equal(fs.existsSync(path.join(r.dir, 'ctl.sock')), false);
});

test('stop_signal, then SIGKILL after graceful_timeout; a second SIGTERM kills at once (exit 5)', async () => {
  const dir = tempDir();
  const ini = (graceful: number) => `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:stubborn]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
use_sockets = true
graceful_timeout = ${graceful}
env = FIXTURE_IGNORE_TERM=1

[socket:web]
port = 0
`;
  const r = await startSupervisor(ini(1), { dir });
  const [pid] = await waitForRunning(r, 'stubborn', 1);
  const t0 = Date.now();
  await r.ok('stop', { name: 'stubborn' });
  assert.ok(Date.now() - t0 >= 900, `waited graceful_timeout before SIGKILL: ${Date.now() - t0} ms; ${r.proc.stderr()}`);
  assert.ok(gone(pid));
  assert.match(r.proc.stderr(), new RegExp(`process ${pid} still running 1s after SIGTERM, sending SIGKILL`));
  r.proc.child.kill('SIGKILL');
  await r.proc.exited;

  const r2 = await startSupervisor(ini(60), { dir: tempDir() });
  const [pid2] = await waitForRunning(r2, 'stubborn', 1);
  r2.proc.child.kill('SIGTERM');
  await waitFor(() => /ignoring SIGTERM/.test(r2.proc.stderr()), 'the worker to ignore SIGTERM');
  r2.proc.child.kill('SIGTERM');
  const { code } = await r2.proc.exited;
  assert.equal(code, 5);
  assert.ok(gone(pid2));
});

test('bind failures stop startup with exit 3, naming the socket, address and errno', async () => {
  const dir = tempDir();
  const taken = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const port = (taken.address as { port: number }).port;
  fs.writeFileSync(path.join(dir, 'stale.sock'), '');
  try {
    const cases: [string, RegExp][] = [
      [`[socket:web]\nhost = 127.0.0.1\nport = ${port}\n`, new RegExp(`\\[socket:web\\] .*bind 127\\.0\\.0\\.1:${port} failed: EADDRINUSE`)],
      [`[socket:local]\npath = ${dir}/stale.sock\n`, /\[socket:local\] .*bind unix:.*stale\.sock failed: EADDRINUSE \(the file exists: remove it or set replace = true\)/],
    ];
    for (const [sockets, message] of cases) {
      const file = path.join(dir, 'circus.ini');
      fs.writeFileSync(file, `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[watcher:w]\ncmd = node -e 0\n\n${sockets}`);
      const p = start(process.execPath, [CLI, file], { env: fixtureEnv(dir) });
      const { code } = await p.exited;
      assert.equal(code, 3, p.stderr());
      assert.match(p.stderr(), message);
      assert.doesNotMatch(p.stderr(), /\n\s+at /);
    }
  } finally {
    closeFd(taken.fd);
  }
});

test('Ctrl-C (SIGINT to the whole process group) drains each worker once and exits 0', async () => {
  const dir = tempDir();
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n\n${workerWatcher('web', 'numprocesses = 2')}\n[socket:web]\nport = 0\n`, { dir, detached: true });
  const pids = await waitForRunning(r, 'web', 2, 30000, false);
  process.kill(-r.proc.child.pid!, 'SIGINT');
  const { code } = await r.proc.exited;
  assert.equal(code, 0, r.proc.stderr());
  for (const pid of pids) assert.ok(gone(pid));
  for (const pid of pids) assert.match(r.proc.stderr(), new RegExp(`process ${pid} exited \\(code 0\\)`));
  assert.doesNotMatch(r.proc.stderr(), /while draining|SIGKILL|exited unexpectedly/);
  assert.equal((r.proc.stderr().match(/spawned process/g) ?? []).length, 2, 'no replacement was started during the stop');
});

test('as root: a socket bound to an interface (SO_BINDTODEVICE lo) serves on it', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[watcher:web]\ncmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)\nuse_sockets = true\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\ninterface = lo\n`,
    { dir },
  );
  await waitForRunning(r, 'web', 1);
  assert.equal((await request(r.sockets.get('web')!)).status, 200);
});
