// circus-ctl against a live supervisor: everyday commands, human tables, --json, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { start, waitFor } from '../helpers/process.js';
import { CTL, SUPERVISOR_CLI, startSupervisor, tempDir, waitForRunning, type Running, cleanup } from '../helpers/supervisor.js';
import { gone } from '../helpers/proc-stats.js';

test.after(cleanup);

async function ctl(r: Running, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = start(process.execPath, [CTL, '--endpoint', r.endpoint, ...args]);
  const { code } = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

function ini(dir: string): string {
  return `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
use_sockets = true
numprocesses = 2
graceful_timeout = 5

[watcher:other]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
use_sockets = true
autostart = false

[socket:web]
host = 127.0.0.1
port = 0
`;
}

test('circus-ctl covers the everyday commands', async () => {
  const dir = tempDir();
  const r = await startSupervisor(ini(dir), { dir });
  await waitForRunning(r, 'web', 2);
  assert.equal(fs.statSync(`${dir}/ctl.sock`).mode & 0o777, 0o600, 'Unix endpoint is 0600');

  let o = await ctl(r, 'status');
  assert.equal(o.code, 0, o.err);
  assert.match(o.out, /^watcher\s+status\nweb\s+active\nother\s+stopped\n$/);
  assert.equal((await ctl(r, 'status', 'web')).out, 'active\n');
  assert.equal((await ctl(r, 'list')).out, 'web\nother\n');
  o = await ctl(r, 'list', 'web');
  assert.match(o.out, /^pid\s+wid\s+state\s+age\n\d+\s+1\s+running\s+[\d.]+s\n\d+\s+2\s+running/);
  assert.match((await ctl(r, 'listsockets')).out, new RegExp(`^name\\s+address\\s+fd\\s+backlog\\s+inode\\s+worker sockets \\(watcher/wid: inode\\)\\nweb\\s+${r.sockets.get('web')!.replace(/\./g, '\\.')}\\s+\\d+\\s+2048\\s+\\d+\\s+shared\\n$`));
  assert.equal((await ctl(r, 'numwatchers')).out, '2\n');
  assert.equal((await ctl(r, 'numprocesses', 'web')).out, '2\n');

  assert.equal((await ctl(r, 'incr', 'web', '2')).out, '4\n');
  await waitForRunning(r, 'web', 4);
  assert.equal((await ctl(r, 'decr', 'web')).out, '3\n');
  await waitForRunning(r, 'web', 3);

  assert.equal((await ctl(r, 'set', 'web', 'graceful_timeout', '7', 'max_age', '0')).code, 0);
  o = await ctl(r, 'get', 'web', 'graceful_timeout', 'numprocesses', 'warmup_delay', 'max_age');
  assert.match(o.out, /graceful_timeout\s+7\nnumprocesses\s+3\nwarmup_delay\s+0\nmax_age\s+0\n$/);
  o = await ctl(r, '--json', 'options', 'web');
  const opts = JSON.parse(o.out);
  assert.equal(opts.status, 'ok');
  assert.equal(opts.options.graceful_timeout, 7);
  assert.equal(opts.options.cmd.includes('http-worker.mjs'), true);

  o = await ctl(r, 'stats', 'web');
  // The fixture sends no heartbeat: its heartbeat and loop-delay columns are empty; all hold the one socket.
  assert.match(o.out, /^watcher\s+pid\s+wid\s+state\s+cpu\s+rss\s+age\s+heartbeat\s+loop delay mean\/max\s+sockets \(inode\)\n(web\s+\d+\s+\d\s+running\s+[\d.]+%\s+[\d.]+ MB\s+[\d.]+s\s+-\s+-\s+web:\d+\n){3}$/);
  o = await ctl(r, '--json', 'stats');
  const stats = JSON.parse(o.out);
  assert.equal(Object.keys(stats.infos.web).length, 3);
  for (const p of Object.values<any>(stats.infos.web)) assert.ok(p.rss > 1e6 && p.age >= 0 && p.cpu >= 0);
  const d = JSON.parse((await ctl(r, '--json', 'dstats')).out);
  assert.equal(d.info.pid, r.proc.child.pid);
  assert.equal(d.info.children, 3);

  const pids = JSON.parse((await ctl(r, '--json', 'list', 'web')).out).pids as number[];
  o = await ctl(r, 'signal', 'web', String(pids[0]), 'KILL');
  assert.match(o.out, new RegExp(`signalled ${pids[0]}`));
  await waitFor(() => gone(pids[0]), 'the signalled process to die');
  await waitForRunning(r, 'web', 3);

  assert.equal((await ctl(r, 'start', 'other')).code, 0);
  await waitForRunning(r, 'other', 1);
  assert.equal((await ctl(r, 'stop', 'other')).code, 0);
  assert.equal((await ctl(r, 'status', 'other')).out, 'stopped\n');
  assert.equal((await ctl(r, 'restart', 'web')).code, 0);
  const after = await waitForRunning(r, 'web', 3);
  assert.equal(after.some((p) => pids.includes(p)), false, 'restart replaced every process');

  // Errors answer, the daemon stays up.
  for (const args of [['status', 'nope'], ['incr', 'nope'], ['signal', 'web', 'SIGNOPE'], ['get', 'web', 'colour'], ['set', 'web', 'cmd', 'x']]) {
    o = await ctl(r, ...args);
    assert.equal(o.code, 1, args.join(' '));
    assert.match(o.err, /^circus-ctl: error: (no watcher named "nope"|unknown signal|unknown option "colour"|option "cmd" cannot be set)/);
  }
  o = await ctl(r, 'incr', 'web', '20000');
  assert.equal(o.code, 1);
  assert.match(o.err, /^circus-ctl: error: watcher web: 20003 processes is over the limit of 10000/);
  o = await ctl(r, 'set', 'web', 'numprocesses', '10001');
  assert.equal(o.code, 1);
  assert.match(o.err, /^circus-ctl: error: watcher web numprocesses: must be between 0 and 10000, got 10001/);
  assert.equal((await ctl(r, 'numprocesses', 'web')).out, '3\n');
  o = await ctl(r, '--json', 'status', 'nope');
  assert.equal(JSON.parse(o.out).status, 'error');
  assert.equal((await ctl(r, 'bogus')).code, 2);

  assert.equal((await ctl(r, 'quit')).code, 0);
  const { code } = await r.proc.exited;
  assert.equal(code, 0);
  assert.equal(fs.existsSync(`${dir}/ctl.sock`), false);
  o = await ctl(r, 'status');
  assert.equal(o.code, 3);
  assert.match(o.err, /cannot reach circus-supervisor at unix:\/\/.*ctl\.sock: ENOENT/);
});

test('a TCP endpoint on loopback works; a raw malformed message gets an error answer', async () => {
  const dir = tempDir();
  const r = await startSupervisor(ini(dir).replace(`unix://${dir}/ctl.sock`, 'tcp://127.0.0.1:0'), { dir });
  assert.match(r.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const o = await ctl(r, 'numwatchers');
  assert.equal(o.out, '2\n');
  const net = await import('node:net');
  const port = Number(r.endpoint.split(':')[2]);
  const answer = await new Promise<string>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('{not json\n{"command": "frobnicate"}\n'));
    let buf = '';
    c.on('data', (d) => {
      buf += d;
      if (buf.split('\n').length > 2) { c.destroy(); resolve(buf); }
    });
    c.on('error', reject);
  });
  const [a, b] = answer.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(a.status, 'error');
  assert.match(a.reason, /not JSON/);
  assert.equal(b.status, 'error');
  assert.match(b.reason, /unknown command "frobnicate"/);
  assert.equal((await r.ok('numwatchers')).numwatchers, 2);
});

test('a control endpoint already in use exits 4 and names [circus] endpoint as the way to move it', async () => {
  const dir = tempDir();
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    fs.writeFileSync(path.join(dir, 'circus.ini'), `[circus]\nendpoint = tcp://127.0.0.1:${port}\n\n[watcher:web]\ncmd = node -e "setInterval(() => {}, 1000)"\n`);
    const p = start(process.execPath, [SUPERVISOR_CLI, path.join(dir, 'circus.ini')]);
    assert.equal((await p.exited).code, 4);
    assert.match(p.stderr(), new RegExp(`error: cannot listen on control endpoint tcp://127\\.0\\.0\\.1:${port}: EADDRINUSE \\(is another circus-supervisor running\\? give this one its own: \\[circus\\] endpoint = tcp://127\\.0\\.0\\.1:PORT, or unix://PATH\\)`));
  } finally {
    busy.close();
  }
});
