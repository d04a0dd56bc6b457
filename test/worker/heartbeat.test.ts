// The worker's heartbeat, from its event loop once READY: WATCHDOG=1 lines with the event-loop
// delay on the supervisor's pipe, and systemd's watchdog protocol (WATCHDOG_USEC) on a real
// NOTIFY_SOCKET. A blocked event loop stops both.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { killAll, start, waitFor, waitForOutput } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { app, closeFd, runWorker, tcpListener, WORKER_CLI } from '../helpers/worker.js';

after(killAll);

const BEAT = /^WATCHDOG=1 LOOP_DELAY_MS=([\d.]+) LOOP_DELAY_MAX_MS=([\d.]+)$/;

test('heartbeats on the CIRCUS_NOTIFY_FD pipe every CIRCUS_HEARTBEAT_MS after READY=1, with the event-loop delay', async () => {
  const listener = tcpListener();
  try {
    const w = runWorker(['--fd', '3', '--backend', 'node', app('fetch-app.ts')], {
      stdio: ['ignore', 'pipe', 'pipe', listener.fd, 'pipe'],
      env: { ...process.env, CIRCUS_NOTIFY_FD: '4', CIRCUS_HEARTBEAT_MS: '200' },
    });
    const lines: { at: number; line: string }[] = [];
    let rest = '';
    (w.child.stdio[4] as Readable).on('data', (d) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop()!;
      for (const line of parts) lines.push({ at: Date.now(), line });
    });
    const beats = () => lines.filter((l) => BEAT.test(l.line));
    await waitFor(() => beats().length >= 3, 'three heartbeats', 10000);
    // The start line goes up as STATUS= just before READY=1; no heartbeat comes before READY=1.
    const ready = lines.findIndex((l) => l.line === 'READY=1');
    assert.ok(ready >= 0, 'READY=1 on the pipe');
    assert.deepEqual(lines.slice(0, ready).map((l) => l.line.replace(/^(STATUS=circus-worker)\[\d+\] serving .*/, '$1')), ['STATUS=circus-worker'], 'only the start line before READY=1');
    for (const b of beats()) assert.ok(Number(BEAT.exec(b.line)![1]) < 200, b.line);
    const before = beats().length;
    assert.equal((await request(targetOf(listener.address), '/pid?spin=600')).status, 200);
    await waitFor(() => beats().length >= before + 2, 'heartbeats after the block', 10000);
    const gaps = beats().slice(before - 1).map((b, i, all) => (i ? b.at - all[i - 1].at : 0));
    assert.ok(Math.max(...gaps) >= 500, `no heartbeat while the loop was blocked (gaps ${gaps})`);
    const maxDelay = Math.max(...beats().slice(before).map((b) => Number(BEAT.exec(b.line)![2])));
    assert.ok(maxDelay >= 450, `a heartbeat reports the 600 ms block as loop delay (max ${maxDelay} ms)`);
    w.child.kill('SIGTERM');
    assert.deepEqual(await w.exited, { code: 0, signal: null });
  } finally {
    closeFd(listener.fd);
  }
});

// Binds the NOTIFY_SOCKET, starts the worker under it, prints every datagram with its time (ms
// since READY=1), blocks the worker's loop for 1.5 s through a request (/pid?spin=1500), and stops it. WATCHDOG_PID
// is set to argv[5] unless that is '-'.
const SYSTEMD = `
import json, os, socket, subprocess, sys, threading, time, urllib.request
d, node, cli, app, watchdog_pid = sys.argv[1:6]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind(os.path.join(d, 'notify'))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(16)
env = dict(os.environ, NOTIFY_SOCKET=os.path.join(d, 'notify'), WATCHDOG_USEC='400000')
env.pop('CIRCUS_NOTIFY_FD', None)
if watchdog_pid != '-':
    env['WATCHDOG_PID'] = watchdog_pid
p = subprocess.Popen([node, cli, '--fd', str(s.fileno()), '--backend', 'node', app], pass_fds=[s.fileno()], env=env)
events, t0 = [], None
def recv_until(deadline):
    while time.monotonic() < deadline:
        n.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            msg = n.recv(256).decode()
        except socket.timeout:
            return
        events.append([round((time.monotonic() - t0) * 1000), msg])
n.settimeout(30)
while True:
    if n.recv(256).decode() == 'READY=1':
        t0 = time.monotonic()
        break
recv_until(t0 + 1.5)
port = s.getsockname()[1]
blocked_at = round((time.monotonic() - t0) * 1000)
threading.Thread(target=lambda: urllib.request.urlopen('http://127.0.0.1:%d/pid?spin=1500' % port, timeout=20).read(), daemon=True).start()
recv_until(time.monotonic() + 2.5)
p.terminate()
p.wait()
print(json.dumps({'blocked_at': blocked_at, 'events': events}), flush=True)
`;

async function underSystemd(watchdogPid: string): Promise<{ blocked_at: number; events: [number, string][] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-watchdog-'));
  try {
    const py = start('python3', ['-c', SYSTEMD, dir, process.execPath, WORKER_CLI, app('fetch-app.ts'), watchdogPid]);
    const [line] = await waitForOutput(py, /^\{.*\}$/m, 30000);
    assert.equal((await py.exited).code, 0, py.stderr());
    return JSON.parse(line);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('systemd watchdog: WATCHDOG=1 on NOTIFY_SOCKET every WATCHDOG_USEC/2, none while the loop is blocked', async () => {
  const { blocked_at, events } = await underSystemd('-');
  const pings = events.filter(([, m]) => m === 'WATCHDOG=1').map(([t]) => t);
  const early = pings.filter((t) => t < 1500);
  assert.ok(early.length >= 4, `pings every 200 ms in the first 1.5 s: ${JSON.stringify(events)}`);
  const gaps = pings.map((t, i) => (i ? t - pings[i - 1] : pings[0]));
  assert.ok(Math.max(...gaps) >= 1200, `a gap while /block held the loop for 1.5 s (from ${blocked_at} ms): ${JSON.stringify(events)}`);
  assert.ok(pings.some((t) => t > blocked_at + 1500), `pings again after the block: ${JSON.stringify(events)}`);
});

test('systemd watchdog: nothing is sent when WATCHDOG_PID names another process', async () => {
  const { events } = await underSystemd('1');
  assert.deepEqual(events.filter(([, m]) => m === 'WATCHDOG=1'), [], JSON.stringify(events));
});
