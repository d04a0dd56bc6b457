// `circus-worker --workers N`: one command runs N workers on one socket through the supervisor's
// own machinery. Real processes, real loopback sockets, an app that answers its pid; every process
// is killed in the after hooks, and "no process behind" is checked in /proc (by the parent pid the
// workers carry in their environment).
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, waitFor, waitForOutput, type Spawned } from '../helpers/process.js';
import { request, targetOf, type Target } from '../helpers/http.js';
import { startLoad } from '../helpers/load.js';
import { alive } from '../helpers/proc-stats.js';
import { runWorker, WORKER_CLI as WORKER_CLI_PATH } from '../helpers/worker.js';
import { createListener, closeFd } from '../../sys/sockets.js';
import { CTL } from '../helpers/supervisor.js';
import { start } from '../helpers/process.js';
import { Command } from 'commander';
import { childArgs } from '../../worker/workers-mode.js';
import { addWorkersFlags } from '../../worker/workers-flags.js';

const dirs: string[] = [];
afterEach(killAll);
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const appSource = (version: string) => `export default { fetch: (_req: Request): Response => Response.json({ pid: process.pid, v: '${version}' }) };\n`;

function appDir(version = 'v1'): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-workers-'));
  dirs.push(dir);
  const file = path.join(dir, 'app.ts');
  fs.writeFileSync(file, appSource(version));
  return { dir, file };
}

interface Started {
  proc: Spawned;
  target: Target;
  pids: number[];
  line: string;
  /** From spawn to the start line: what starting the workers took on this machine, now. */
  startMs: number;
}

const START = /serving (\S+) with (\d+) workers? \(pids ([\d ]+)\) (backend=\S+)[^\n]*/;

async function workers(args: string[], cwd: string): Promise<Started> {
  const t0 = Date.now();
  const proc = runWorker(args, { cwd });
  const m = await waitForOutput(proc, START, 60000);
  return { proc, target: targetOf(m[1]), pids: m[3].split(' ').map(Number), line: m[0], startMs: Date.now() - t0 };
}

async function answer(target: Target): Promise<{ pid: number; v: string }> {
  return (await request(target, '/', { agent: false })).json();
}

/** Processes running whose environment names `parent` as its circus parent (tsx's esbuild too). */
function descendants(parent: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`CIRCUS_PARENT_PID=${parent}`) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** The workers themselves: the direct children among those. */
function childrenOf(parent: number): number[] {
  return descendants(parent).filter((pid) => {
    try {
      return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === parent;
    } catch {
      return false;
    }
  });
}

async function stop(s: Started): Promise<number | null> {
  s.proc.child.kill('SIGTERM');
  return (await s.proc.exited).code;
}

test('-w 4 serves from 4 distinct pids; one start line; a killed worker is replaced; SIGTERM leaves no process behind', async () => {
  const { dir } = appDir();
  const s = await workers(['-w', '4', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  assert.equal(new Set(s.pids).size, 4, s.line);
  assert.match(s.line, /serving 127\.0\.0\.1:[1-9]\d* with 4 workers .* backend=(uws|node)/);
  // One start line for all of them: the workers' own are not printed.
  assert.equal(s.proc.stderr().match(/^circus-worker\[\d+\] serving /gm)?.length, 1, s.proc.stderr());
  assert.deepEqual(childrenOf(s.proc.child.pid!).sort(), [...s.pids].sort());
  const seenPids = new Set<number>();
  const seen = await waitFor<Set<number> | undefined>(async () => {
    seenPids.add((await answer(s.target)).pid);
    return seenPids.size === 4 ? seenPids : undefined;
  }, 'answers from all 4 workers', 30000);
  assert.deepEqual([...seen!].sort(), [...s.pids].sort());

  const [victim] = s.pids;
  process.kill(victim, 'SIGKILL');
  const now = await waitFor<number[] | undefined>(() => {
    const c = childrenOf(s.proc.child.pid!);
    return c.length === 4 && !c.includes(victim) ? c : undefined;
  }, 'a replacement for the killed worker', 30000);
  const fresh = now!.filter((p) => !s.pids.includes(p));
  assert.equal(fresh.length, 1);
  await waitFor(() => new RegExp(`process ${fresh[0]}`).test(s.proc.stderr()) || childrenOf(s.proc.child.pid!).length === 4, 'the replacement');
  await waitForOutput(s.proc, new RegExp(`process ${victim} \\(wid \\d\\) exited unexpectedly \\(signal SIGKILL\\)`), 10000);

  assert.equal(await stop(s), 0, s.proc.stderr());
  assert.deepEqual(descendants(s.proc.child.pid!), []);
  for (const p of [...s.pids, ...now!]) assert.equal(alive(p), false, `process ${p} is gone`);
});

test('kill -HUP under load rolls every worker with 0 failed requests; new pids afterwards', async (t) => {
  const { dir } = appDir();
  const s = await workers(['-w', '4', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  const results = [];
  for (const keepAlive of [false, true]) {
    const load = startLoad(s.target, { connections: 8, durationMs: 60000, keepAlive, timeoutMs: 15000 });
    await load.started;
    const before = (s.proc.stderr().match(/rolled: pids/g) ?? []).length;
    s.proc.child.kill('SIGHUP');
    const rolled = await waitFor(() => [...s.proc.stderr().matchAll(/rolled: pids ([\d ]+)/g)][before], 'the SIGHUP roll', 60000);
    // A little load on the new workers too, then stop.
    await waitFor(() => load.snapshot().ok > 0, 'more answers');
    load.stop();
    const rep = await load.done;
    const fresh = rolled[1].split(' ').map(Number);
    t.diagnostic(`SIGHUP under load (keepAlive ${keepAlive}): ${rep.sent} requests, ${rep.ok} ok, ${rep.failed} failed, ${rep.refused} refused, p99 ${rep.p99Ms.toFixed(1)} ms, ${Object.keys(rep.byPid).length} pids answered`);
    results.push(rep);
    assert.equal(rep.failed + rep.refused, 0, JSON.stringify(rep));
    assert.equal(fresh.length, 4);
    assert.equal(fresh.filter((p) => s.pids.includes(p)).length, 0, 'every worker replaced');
    const after = new Set<number>();
    for (let i = 0; i < 12; i++) after.add((await answer(s.target)).pid);
    for (const p of after) assert.ok(fresh.includes(p), `answered by new worker ${p}`);
    s.pids = fresh;
  }
  assert.equal(await stop(s), 0);
});

test('--reload: an edit answers within 2 s; a broken edit keeps the old workers serving and prints the error', async (t) => {
  const { dir, file } = appDir('v1');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  const s = await workers(['--reload', '-w', '2', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  await waitForOutput(s.proc, /--reload: watching 1 folder/);
  assert.equal((await answer(s.target)).v, 'v1');
  // node_modules is not watched: no roll.
  fs.writeFileSync(path.join(dir, 'node_modules', 'x.js'), '');

  const t0 = Date.now();
  fs.writeFileSync(file, appSource('v2'));
  await waitFor(async () => (await answer(s.target)).v === 'v2', 'the new code to answer', 30000, 20);
  const ms = Date.now() - t0;
  t.diagnostic(`edit → new answer: ${ms} ms; the command's own start took ${s.startMs} ms (load average ${os.loadavg()[0].toFixed(1)})`);
  // 2 s, unless this machine is so loaded right now that starting the workers alone took longer.
  assert.ok(ms < Math.max(2000, s.startMs + 500), `new code answered after ${ms} ms (start took ${s.startMs} ms)`);
  await waitFor(() => /rolled: pids/.test(s.proc.stderr()), 'the roll to end', 30000);
  assert.equal(s.proc.stderr().match(/changed: rolling/g)?.length, 1, 'one roll for the edit, none for node_modules');

  fs.writeFileSync(file, 'export default { fetch(: Request) { return new Response("x") }\n');
  await waitForOutput(s.proc, /did not start, the old ones keep serving/, 30000);
  assert.match(s.proc.stderr(), /app .*app\.ts failed to load/);
  for (let i = 0; i < 6; i++) assert.equal((await answer(s.target)).v, 'v2');

  fs.writeFileSync(file, appSource('v3'));
  await waitFor(async () => (await answer(s.target)).v === 'v3', 'the fixed code to answer', 30000, 20);
  assert.equal(await stop(s), 0);
});

test('reloads whose new workers keep failing never stop the old ones (no flapping pause)', async () => {
  const { dir, file } = appDir('v1');
  const s = await workers(['-w', '2', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  fs.writeFileSync(file, 'throw new Error("broken on purpose");\n');
  // Three failed rolls in a row: well within the flapping rule's 2 exits per second at times.
  for (let i = 1; i <= 3; i++) {
    s.proc.child.kill('SIGHUP');
    await waitFor(() => (s.proc.stderr().match(/the old ones keep serving/g)?.length ?? 0) >= i, `failed roll ${i}`, 30000);
  }
  assert.doesNotMatch(s.proc.stderr(), /flapping/);
  const pids = new Set<number>();
  for (let i = 0; i < 8; i++) pids.add((await answer(s.target)).pid);
  for (const p of pids) assert.ok(s.pids.includes(p), `old worker ${p} still serving`);
  assert.equal(await stop(s), 0);
});

test('--unix and --fd: the socket is taken once and shared', async () => {
  const { dir } = appDir();
  const sock = path.join(dir, 'web.sock');
  const u = await workers(['-w', '2', '--unix', sock, 'app.ts'], dir);
  assert.equal(u.target && 'socketPath' in u.target ? u.target.socketPath : '', sock);
  assert.ok((await answer(u.target)).pid > 0);
  assert.equal(await stop(u), 0);
  assert.equal(fs.existsSync(sock), false, 'the socket file is removed');

  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  try {
    const proc = runWorker(['--workers', '2', '--fd', '3', 'app.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', l.fd] });
    const m = await waitForOutput(proc, START, 60000);
    assert.equal(m[1], `127.0.0.1:${(l.address as { port: number }).port}`);
    assert.ok((await answer(targetOf(m[1]))).pid > 0);
    proc.child.kill('SIGTERM');
    assert.equal((await proc.exited).code, 0);
  } finally {
    closeFd(l.fd);
  }
});

// Prints "PID MESSAGE" for every datagram on the NOTIFY_SOCKET, with the sender's pid (SO_PASSCRED).
const NOTIFY_RECEIVER = `
import os, socket, struct, sys
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
n.bind(sys.argv[1])
print('bound', flush=True)
while True:
    msg, anc, _, _ = n.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = next((struct.unpack('3i', d[:12])[0] for lvl, typ, d in anc if typ == socket.SCM_CREDENTIALS), 0)
    print(pid, msg.decode().replace('\\n', ' '), flush=True)
`;

const sdActivate = '/usr/bin/systemd-socket-activate';
test('under systemd: takes LISTEN_FDS, and only this process talks to systemd (READY=1 once all are ready, WATCHDOG=1)', { skip: !fs.existsSync(sdActivate) && 'systemd-socket-activate is not installed' }, async () => {
  const { dir } = appDir();
  const notifySocket = path.join(dir, 'notify');
  const rx = start('python3', ['-c', NOTIFY_RECEIVER, notifySocket]);
  await waitForOutput(rx, /bound/);
  const probe = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const port = (probe.address as { port: number }).port;
  closeFd(probe.fd);
  const sd = start(sdActivate, ['-l', `127.0.0.1:${port}`, '-E', `NOTIFY_SOCKET=${notifySocket}`, '-E', 'WATCHDOG_USEC=400000', process.execPath, WORKER_CLI_PATH, '-w', '2', 'app.ts'], { cwd: dir });
  await waitForOutput(sd, /Listening on/);
  // The first connection makes systemd-socket-activate exec the command; it waits in the backlog.
  const first = await answer({ host: '127.0.0.1', port });
  assert.ok(first.pid > 0);
  const m = await waitForOutput(sd, START, 30000);
  assert.equal(m[1], `127.0.0.1:${port}`);
  const main = sd.child.pid!;
  await waitFor(() => new RegExp(`^${main} WATCHDOG=1`, 'm').test(rx.stdout()), 'WATCHDOG=1 from the main process', 30000);
  const senders = new Set(rx.stdout().split('\n').filter(Boolean).slice(1).map((l) => Number(l.split(' ')[0])));
  assert.deepEqual([...senders], [main], rx.stdout());
  assert.match(rx.stdout(), new RegExp(`^${main} READY=1`, 'm'));
  sd.child.kill('SIGTERM');
  assert.equal((await sd.exited).code, 0, sd.stderr());
  assert.deepEqual(descendants(main), []);
});

test('--control and --metrics-endpoint open the supervisor\'s endpoints only when asked', async () => {
  const { dir } = appDir();
  const s = await workers(['-w', '2', '--bind', '127.0.0.1:0', '--control', 'tcp://127.0.0.1:0', '--metrics-endpoint', 'tcp://127.0.0.1:0', '--backend', 'node', 'app.ts'], dir);
  assert.match(s.line, /backend=node /, 'the worker flags reach the workers');
  const endpoint = /control (tcp:\/\/127\.0\.0\.1:\d+)/.exec(s.line)?.[1];
  assert.ok(endpoint, s.line);
  const ctl = start(process.execPath, [CTL, '--endpoint', endpoint, '--json', 'list', 'app']);
  assert.equal((await ctl.exited).code, 0, ctl.stderr());
  assert.deepEqual(JSON.parse(ctl.stdout()).pids.sort(), [...s.pids].sort());
  const metrics = /metrics tcp:\/\/(127\.0\.0\.1:\d+)/.exec(s.line)?.[1];
  assert.ok(metrics, s.line);
  const health = await request(targetOf(metrics), '/health', { agent: false });
  assert.equal(health.status, 200, health.body);
  assert.equal(health.json().watchers.app.ready, 2);
  assert.equal(await stop(s), 0);
  const plain = await workers(['-w', '1', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  assert.doesNotMatch(plain.line, /control/);
  assert.equal(await stop(plain), 0);
});

test('a second SIGTERM kills the workers at once: exit 1, no process behind', async () => {
  const { dir, file } = appDir();
  const arrived = path.join(dir, 'arrived');
  fs.writeFileSync(file, `import fs from 'node:fs';\nexport default { fetch: async (): Promise<Response> => { fs.writeFileSync(${JSON.stringify(arrived)}, ''); await new Promise((r) => setTimeout(r, 60000)); return new Response('late'); } };\n`);
  const s = await workers(['-w', '2', '--bind', '127.0.0.1:0', 'app.ts'], dir);
  const slow = request(s.target, '/', { agent: false, timeoutMs: 60000 }).catch((err: Error) => err);
  await waitFor(() => fs.existsSync(arrived), 'the slow request to reach a worker', 30000);
  s.proc.child.kill('SIGTERM');
  await waitForOutput(s.proc, /draining 1 open/, 30000);
  s.proc.child.kill('SIGTERM');
  assert.equal((await s.proc.exited).code, 1, s.proc.stderr());
  assert.match(s.proc.stderr(), /second stop signal: killing all processes/);
  assert.ok((await slow) instanceof Error, 'the request in flight was cut');
  assert.deepEqual(descendants(s.proc.child.pid!), []);
});

test('the workers get every flag but the ones the one-command mode consumes', () => {
  const cmd = addWorkersFlags(new Command().option('--fd <n>').option('--bind <a>').option('--unix <p>').option('--backend <b>').option('--access-log').option('--health-path <p>'));
  assert.deepEqual(childArgs(cmd, ['-w', '4', '--bind', '0.0.0.0:80', '--backend', 'node', '--access-log', 'app.ts']), ['--backend', 'node', '--access-log', 'app.ts']);
  assert.deepEqual(childArgs(cmd, ['-w4', '--bind=h:1', '--reload', '--control', 'tcp://127.0.0.1:0', '--health-path=/hz', 'app.ts:named']), ['--health-path=/hz', 'app.ts:named']);
  assert.deepEqual(childArgs(cmd, ['--workers', 'auto', '--fd', '3', 'app.ts', '--', '--reload']), ['app.ts', '--', '--reload']);
});

test('bad --workers input: a clear error and exit 2', async () => {
  const { dir } = appDir();
  const cases: [string[], RegExp][] = [
    [['-w', '0', '--bind', '127.0.0.1:0', 'app.ts'], /--workers must be a whole number from 1 to 10000, or auto/],
    [['-w', 'abc', '--bind', '127.0.0.1:0', 'app.ts'], /--workers must be a whole number from 1 to 10000, or auto/],
    [['--workers', '2', 'app.ts'], /nowhere to listen: give --fd N/],
    [['--workers', '2', '--bind', '127.0.0.1:0', '--control', 'tcp://10.1.2.3:7000', 'app.ts'], /--control must be on loopback/],
    [['--workers', '2', '--bind', '127.0.0.1:0', 'missing.ts'], /missing\.ts does not exist/],
    [['--workers', '2', '--fd', '900', 'app.ts'], /circus-worker: error: --fd 900: fd 900 is not open/],
  ];
  for (const [args, re] of cases) {
    const p = runWorker(args, { cwd: dir });
    const { code } = await p.exited;
    assert.equal(code, 2, `${args.join(' ')}: ${p.stderr()}`);
    assert.match(p.stderr(), re, args.join(' '));
  }
  // The port is taken: the error names the flag and the errno.
  const busy = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  try {
    const p = runWorker(['-w', '2', '--bind', `127.0.0.1:${(busy.address as { port: number }).port}`, 'app.ts'], { cwd: dir });
    assert.equal((await p.exited).code, 2, p.stderr());
    assert.match(p.stderr(), /circus-worker: error: --bind 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    closeFd(busy.fd);
  }
});
