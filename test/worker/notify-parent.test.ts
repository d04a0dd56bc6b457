// Readiness and parent death: the worker says READY=1 / STOPPING=1 on the supervisor's pipe and over
// real sd_notify, and it does not outlive a parent killed with SIGKILL.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { killAll, start, waitFor, waitForOutput } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { alive } from '../helpers/proc-stats.js';
import { app, closeFd, runWorker, tcpListener, WORKER_CLI } from '../helpers/worker.js';

after(killAll);

test('READY=1 and STOPPING=1 arrive on the CIRCUS_NOTIFY_FD pipe', async () => {
  const listener = tcpListener();
  try {
    const w = runWorker(['--fd', '3', '--backend', 'node', app('fetch-app.ts')], {
      stdio: ['ignore', 'pipe', 'pipe', listener.fd, 'pipe'],
      env: { ...process.env, CIRCUS_NOTIFY_FD: '4' },
    });
    let lines = '';
    (w.child.stdio[4] as Readable).on('data', (d) => (lines += d));
    await waitFor(() => lines.includes('READY=1\n'), 'READY=1 on the pipe');
    // READY comes after the socket is served: a request now must succeed.
    assert.equal((await request(targetOf(listener.address))).status, 200);
    w.child.kill('SIGTERM');
    await w.exited;
    // The start line (STATUS=) comes first; heartbeats (WATCHDOG=1 …) and metrics reports
    // (METRICS=…) come in between.
    const told = lines.split('\n').filter((l) => l && !l.startsWith('WATCHDOG=1') && !l.startsWith('METRICS='));
    assert.match(told[0] ?? '', /^STATUS=circus-worker\[\d+\] serving 127\.0\.0\.1:\d+ \(fd 3\) backend=node /);
    assert.deepEqual(told.slice(1), ['READY=1', 'STOPPING=1']);
  } finally {
    closeFd(listener.fd);
  }
});

const SD_PARENT = `
import os, socket, subprocess, sys
d = sys.argv[1]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind(os.path.join(d, 'notify'))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(16)
env = dict(os.environ, NOTIFY_SOCKET=os.path.join(d, 'notify'))
p = subprocess.Popen([sys.argv[2], sys.argv[3], '--fd', str(s.fileno()), '--backend', 'node', sys.argv[4]], pass_fds=[s.fileno()], env=env)
n.settimeout(60)
def until(state):
    while True:
        got = n.recv(256).decode()
        print('GOT', got, flush=True)
        if got == state:
            return
until('READY=1')
p.terminate()
until('STOPPING=1')
sys.exit(p.wait())
`;

test('speaks real sd_notify when NOTIFY_SOCKET is set (Type=notify)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-notify-'));
  try {
    const py = start('python3', ['-c', SD_PARENT, dir, process.execPath, WORKER_CLI, app('fetch-app.ts')]);
    await waitForOutput(py, /GOT READY=1/);
    // systemctl status shows the start line (STATUS=), sent before READY=1.
    await waitForOutput(py, /GOT STATUS=circus-worker\[\d+\] serving 127\.0\.0\.1:\d+ \(fd \d+\) backend=node [^]*GOT READY=1/);
    await waitForOutput(py, /GOT STOPPING=1/);
    assert.equal((await py.exited).code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const DYING_PARENT = `
import os, socket, subprocess, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(16)
env = dict(os.environ, CIRCUS_PARENT_PID=str(os.getpid()))
p = subprocess.Popen([sys.argv[1], sys.argv[2], '--fd', str(s.fileno()), '--backend', 'node', sys.argv[3]], pass_fds=[s.fileno()], env=env)
print('CHILD', p.pid, flush=True)
time.sleep(600)
`;

test('a worker exits when its parent is killed with SIGKILL (PR_SET_PDEATHSIG)', async () => {
  const py = start('python3', ['-c', DYING_PARENT, process.execPath, WORKER_CLI, app('fetch-app.ts')]);
  const [, pid] = await waitForOutput(py, /CHILD (\d+)/);
  await waitForOutput(py, /serving 127\.0\.0\.1:\d+/);
  py.child.kill('SIGKILL');
  await py.exited;
  try {
    await waitFor(() => !alive(Number(pid)), `worker ${pid} to exit after its parent died`, 30000, 50);
  } finally {
    if (alive(Number(pid))) process.kill(Number(pid), 'SIGKILL');
  }
});

test('a closed log pipe (EPIPE) neither kills nor wedges the worker', async () => {
  const listener = tcpListener();
  try {
    const w = runWorker(['--fd', '3', '--backend', 'node', '--access-log', app('fetch-app.ts')], { stdio: ['ignore', 'pipe', 'pipe', listener.fd] });
    await waitForOutput(w, /serving \S+/);
    w.child.stdout!.destroy();
    w.child.stderr!.destroy();
    // The access line and the error log of /throw now hit a pipe nobody reads.
    assert.equal((await request(targetOf(listener.address), '/throw')).status, 500);
    assert.equal((await request(targetOf(listener.address))).status, 200);
    w.child.kill('SIGTERM');
    assert.deepEqual(await w.exited, { code: 0, signal: null });
  } finally {
    closeFd(listener.fd);
  }
});
