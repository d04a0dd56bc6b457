// max_age recycling, stream files with rotation, uid/gid on a privileged port, parent death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { closeFd, createListener } from '../../sys/sockets.js';
import { assertOthersCanReach, start, waitFor, waitForOutput } from '../helpers/process.js';
import { SUPERVISOR_CLI as CLI, startSupervisor, tempDir, waitForRunning, watcherPids, workerWatcher, cleanup } from '../helpers/supervisor.js';
import { gone } from '../helpers/proc-stats.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

const endpoint = (dir: string) => `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n`;

test('max_age replaces each process, one at a time, after its successor is ready', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    endpoint(dir) +
      `[watcher:web]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
use_sockets = true
numprocesses = 2
max_age = 1.5
max_age_variance = 0

[socket:web]
port = 0
`,
    { dir },
  );
  const first = await waitForRunning(r, 'web', 2);
  await waitFor(async () => {
    const now = await watcherPids(r, 'web');
    return now.length === 2 && now.every((p) => !first.includes(p));
  }, 'both original processes to be recycled', 30000);
  await r.ok('set', { name: 'web', options: { max_age: 0 } });
  const log = r.proc.stderr();
  for (const pid of first) {
    const marker = `process ${pid} reached max_age; replacing it`;
    const due = log.indexOf(marker);
    const exited = log.indexOf(`process ${pid} exited`);
    assert.ok(due !== -1 && exited > due, `process ${pid} was recycled`);
    // Its successor served before it was stopped.
    const between = log.slice(due + marker.length, exited);
    assert.match(between, /fixture\[\d+\] serving/);
    // One at a time: no other recycle started in between.
    assert.doesNotMatch(between, /reached max_age/);
  }
  assert.equal((await request(r.sockets.get('web')!)).status, 200);
});

test('FileStream writes a watcher’s output to files rotated by size (max_bytes, backup_count)', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    endpoint(dir) +
      `[watcher:chatty]
cmd = node $(circus.env.CW_FIXTURES)/chatty.mjs
env = CHATTY_COUNT=400, CHATTY_BURST=1
stdout_stream.class = FileStream
stdout_stream.filename = ${dir}/out.log
stdout_stream.max_bytes = 4000
stdout_stream.backup_count = 2
stderr_stream.class = FileStream
stderr_stream.filename = ${dir}/err.log
`,
    { dir },
  );
  await waitFor(() => fs.existsSync(`${dir}/err.log`) && /wrote 400 lines/.test(fs.readFileSync(`${dir}/err.log`, 'utf8')), 'chatty to finish writing');
  await waitFor(() => fs.readFileSync(`${dir}/out.log`, 'utf8').includes('line 000399'), 'the last line in out.log');
  assert.equal(fs.existsSync(`${dir}/out.log.3`), false, 'backup_count = 2 keeps two old files');
  const parts = [`${dir}/out.log.2`, `${dir}/out.log.1`, `${dir}/out.log`].map((f) => fs.readFileSync(f, 'utf8'));
  // Split at line ends, whatever the pipe reads carried: no file over max_bytes.
  for (const p of parts) assert.ok(p.length > 0 && p.length <= 4000, `a file of ${p.length} bytes (max_bytes 4000)`);
  const lines = parts.join('').trim().split('\n').map((l) => Number(l.slice(5, 11)));
  assert.equal(lines.at(-1), 399);
  lines.forEach((n, i) => i && assert.equal(n, lines[i - 1] + 1, 'contiguous, in order'));
  assert.ok(lines[0] > 0, 'the oldest output was rotated away');
  assert.equal(r.proc.stdout().includes('line 000'), false, 'nothing leaked to the supervisor stdout');
});

function freePrivilegedPort(): number | undefined {
  for (let port = 81; port < 200; port++) {
    try {
      const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port } });
      closeFd(l.fd);
      return port;
    } catch {
      // in use: try the next one
    }
  }
  return undefined;
}

test('as root: a privileged port served by workers running as nobody; as nobody the bind fails (exit 3)', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  assertOthersCanReach();
  const port = freePrivilegedPort();
  assert.ok(port, 'a free port below 200');
  const dir = tempDir();
  fs.chmodSync(dir, 0o777);
  const sock = `[socket:web]\nhost = 127.0.0.1\nport = ${port}\n`;
  const r = await startSupervisor(endpoint(dir) + workerWatcher('web', 'numprocesses = 2\nuid = nobody\ngid = nogroup') + sock, { dir });
  const pids = await waitForRunning(r, 'web', 2, 30000, false);
  for (const pid of pids) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Groups:\s*$/m);
  }
  const a = await request(`127.0.0.1:${port}`);
  assert.equal(a.status, 200);
  assert.ok(pids.includes(a.json().pid));
  r.proc.child.kill('SIGTERM');
  assert.equal((await r.proc.exited).code, 0);

  const file = path.join(dir, 'unprivileged.ini');
  fs.writeFileSync(file, endpoint(dir) + workerWatcher('web') + sock);
  const p = start(process.execPath, [CLI, file], { uid: 65534, gid: 65534 });
  const { code } = await p.exited;
  assert.equal(code, 3, p.stderr());
  assert.match(p.stderr(), new RegExp(`\\[socket:web\\] .*bind 127\\.0\\.0\\.1:${port} failed: EACCES \\(ports below 1024 need root\\)`));
});

test('a supervisor killed with SIGKILL leaves no circus-worker behind (PR_SET_PDEATHSIG)', async () => {
  const dir = tempDir();
  const r = await startSupervisor(endpoint(dir) + workerWatcher('web', 'numprocesses = 3') + '[socket:web]\nport = 0\n', { dir });
  const pids = await waitForRunning(r, 'web', 3, 30000, false);
  r.proc.child.kill('SIGKILL');
  await r.proc.exited;
  await waitFor(() => pids.every((p) => gone(p)), 'every circus-worker to exit after its supervisor died', 15000);
  const [host, port] = r.sockets.get('web')!.split(':');
  const refused = await new Promise<boolean>((resolve) => {
    const c = net.connect(Number(port), host, () => { c.destroy(); resolve(false); });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
  assert.equal(refused, true, 'nobody holds the port any more');
});

test('a command that cannot be started flaps and ends stopped without spinning', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    endpoint(dir) + `[watcher:missing]\ncmd = /nonexistent/command --flag\nnumprocesses = 2\nmax_retry = 1\nflapping.retry_in = 0.2\n`,
    { dir },
  );
  await waitFor(() => /missing: still flapping after 1 retries; watcher stopped/.test(r.proc.stderr()), 'the watcher to give up', 30000);
  assert.match(r.proc.stderr(), /missing: process \(not started\) \(wid \d\) failed to start: spawn \/nonexistent\/command ENOENT/);
  assert.equal((await r.ctl('status', { name: 'missing' })).status, 'stopped');
});

test('watchers start by priority (highest first), warmup_delay apart', async () => {
  const dir = tempDir();
  const w = (name: string, priority: number) =>
    `[watcher:${name}]\ncmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)\nuse_sockets = true\npriority = ${priority}\nnumprocesses = 2\nwarmup_delay = 0.3\n\n`;
  const r = await startSupervisor(endpoint(dir) + w('low', 1) + w('high', 10) + '[socket:web]\nport = 0\n', { dir });
  await waitForRunning(r, 'low', 2);
  const spawns = [...r.proc.stderr().matchAll(/^(\S+) .* (\w+): spawned process/gm)].map((m) => [Date.parse(m[1]), m[2]] as [number, string]);
  assert.deepEqual(spawns.map((s) => s[1]), ['high', 'high', 'low', 'low']);
  assert.ok(spawns[1][0] - spawns[0][0] >= 250, 'warmup_delay between spawns of one watcher');
});

test('StdoutStream and FancyStdoutStream pass output through the supervisor', async () => {
  const dir = tempDir();
  const chatty = (name: string, cls: string) => `[watcher:${name}]\ncmd = node $(circus.env.CW_FIXTURES)/chatty.mjs\nenv = CHATTY_COUNT=3\nstdout_stream.class = ${cls}\n\n`;
  const r = await startSupervisor(endpoint(dir) + chatty('plain', 'StdoutStream') + chatty('fancy', 'circus.stream.FancyStdoutStream'), { dir });
  await waitFor(() => (r.proc.stdout().match(/line 000002/g) ?? []).length === 2, 'both watchers’ output on the supervisor stdout');
  const [fancy] = await watcherPids(r, 'fancy');
  assert.match(r.proc.stdout(), new RegExp(`^\\S+Z \\[${fancy}\\] \\| line 000000 x+$`, 'm'));
  assert.match(r.proc.stdout(), /^line 000000 x+$/m);
});

test('a worker that drains on its own (--max-requests) is replaced, not counted as flapping', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    endpoint(dir) + `[watcher:web]\ncmd = circus-worker --max-requests 15 --fd $(circus.sockets.web) $(circus.env.CW_FIXTURES)/supervisor-app.mjs\nuse_sockets = true\n\n[socket:web]\nport = 0\n`,
    { dir },
  );
  await waitForRunning(r, 'web', 1, 30000, false);
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const a = await request(r.sockets.get('web')!, '/', { timeoutMs: 30000 });
    assert.equal(a.status, 200);
    seen.add(a.json().pid);
  }
  assert.ok(seen.size >= 3, `recycled by --max-requests (${seen.size} pids)`);
  await waitForOutput(r.proc, /web: process \d+ is draining; starting a replacement/, 10000);
  assert.doesNotMatch(r.proc.stderr(), /flapping|exited unexpectedly/);
  assert.equal((await r.ctl('status', { name: 'web' })).status, 'active');
});
