// Least privilege: the control socket is 0600 and refuses other users, TCP control stays on
// loopback unless the config opts out (and then warns), root binds a privileged port but runs
// workers as an unprivileged uid/gid (proven from /proc), Unix sockets honour umask, and a
// worker inherits only its own watcher's socket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { assertOthersCanReach, killAll, start, waitFor } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { runningPids, startSupervisor, SUPERVISOR_CLI as CLI, tempDir, type Running } from '../helpers/supervisor.js';
import { request as ctlRequest } from '../../supervisor/ctl/client.js';
import { SUPERVISOR_GAPS } from '../chaos/known-gaps.js';
import { chaosApp } from '../chaos/worker-matrix.js';
import { credentials, listeningHost, listeningInode } from '../helpers/proc-net.js';

after(killAll);

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const notRoot = isRoot ? false : 'needs root (switching users, binding a port below 1024)';

/** Tries to connect to a Unix socket as another uid; resolves with the errno code or 'connected'. */
function connectAs(uid: number, socketPath: string): Promise<string> {
  const code = `require('net').connect(${JSON.stringify(socketPath)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { uid, gid: uid, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

function worker(name: string, socket: string, extra = ''): string {
  return `[watcher:${name}]\ncmd = circus-worker --fd $(circus.sockets.${socket}) --backend node ${chaosApp('fetch')}\nuse_sockets = True\nnumprocesses = 1\n${extra}\n`;
}

test('the Unix control socket is created 0600 and refuses another user', { skip: notRoot }, async () => {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755); // only the socket's own mode may keep others out
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n`, { dir });
  assert.equal(fs.statSync(`${dir}/ctl.sock`).mode & 0o777, 0o600);
  assert.equal(await connectAs(NOBODY, `${dir}/ctl.sock`), 'EACCES');
  assert.equal((await r.ctl('status')).status, 'ok');
});

test('a TCP control endpoint binds loopback; a remote one is refused unless the config opts in', async () => {
  const dir = tempDir();
  const port = await freePort();
  const local = await startSupervisor(`[circus]\nendpoint = tcp://127.0.0.1:${port}\n`, { dir });
  assert.equal(listeningHost(port), '127.0.0.1');
  local.proc.child.kill('SIGTERM');
  await local.proc.exited;

  fs.writeFileSync(`${dir}/remote.ini`, `[circus]\nendpoint = tcp://0.0.0.0:${port}\n`);
  const refused = start(process.execPath, [CLI, `${dir}/remote.ini`]);
  assert.equal((await refused.exited).code, 2);
  assert.match(refused.stderr(), /remote\.ini:2 \[circus\] endpoint: tcp:\/\/0\.0\.0\.0:\d+ is not a loopback address/);
  assert.doesNotMatch(refused.stderr(), /\n\s+at /);
});

test('a remote TCP control endpoint opted in with endpoint_allow_remote binds as asked and warns', { todo: SUPERVISOR_GAPS['remote endpoint warning'] }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const opted = await startSupervisor(`[circus]\nendpoint = tcp://0.0.0.0:${port}\nendpoint_allow_remote = true\n`, { dir });
  assert.equal(listeningHost(port), '0.0.0.0');
  assert.match(opted.proc.stderr(), /WARN.*(remote|loopback|authentication)/i);
});

test('as root: a privileged port is bound by the supervisor, workers run as nobody/nogroup and serve it', { skip: notRoot }, async () => {
  assertOthersCanReach();
  const dir = tempDir();
  const port = await freePort(800, 1000);
  const nogroup = groupId('nogroup');
  const r = await startSupervisor(
    `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = ${port}\n\n` + worker('web', 'web', `uid = nobody\ngid = nogroup`),
    { dir },
  );
  const [pid] = await waitFor<number[] | undefined>(async () => {
    const p = await runningPids(r, 'web');
    return p.length === 1 && r.proc.stderr().includes(`circus-worker[${p[0]}] serving`) ? p : undefined;
  }, 'the worker to serve', 30000) as number[];
  const ids = credentials(pid);
  assert.deepEqual(ids.uid, [NOBODY, NOBODY, NOBODY, NOBODY], 'real, effective, saved, fs uid');
  assert.deepEqual(ids.gid, [nogroup, nogroup, nogroup, nogroup], 'real, effective, saved, fs gid');
  assert.ok(ids.groups.every((g) => g === nogroup), `root's supplementary groups leaked: ${ids.groups}`);
  assert.equal(credentials(r.proc.child.pid!).uid[1], 0, 'the supervisor itself stays root');
  const reply = await request(`127.0.0.1:${port}`);
  assert.equal(reply.status, 200);
  assert.equal(reply.body, `ok ${pid}`);
});

test('Unix listening sockets honour their umask', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:a]\npath = ${dir}/a.sock\numask = 027\n\n[socket:b]\npath = ${dir}/b.sock\numask = 077\n\n` +
      worker('a', 'a'),
    { dir },
  );
  assert.equal(fs.statSync(`${dir}/a.sock`).mode & 0o777, 0o750);
  assert.equal(fs.statSync(`${dir}/b.sock`).mode & 0o777, 0o700);
  await waitFor(async () => (await runningPids(r, 'a')).length === 1, 'worker a', 30000);
  const reply = await waitFor(() => request(`unix:${dir}/a.sock`).catch(() => undefined), 'an answer on a.sock');
  assert.equal(reply!.status, 200);
});

describe("a worker's fds", () => {
  let leaked: string[] = [];
  let ownSocket = false;
  let supervisorSockets = new Set<string>();
  before(async () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/circus.ini`,
      `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:a]\nhost = 127.0.0.1\nport = 0\n\n[socket:b]\nhost = 127.0.0.1\nport = 0\n\n` +
        worker('a', 'a') + worker('b', 'b'));
    // The supervisor itself inherits an fd without close-on-exec (as from a careless parent shell),
    // at fd 40: low numbers are overwritten in the children by the fds the supervisor passes.
    const stray = fs.openSync(`${dir}/stray.txt`, 'w');
    const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(37).fill('ignore'), stray];
    const sup = start(process.execPath, [CLI, `${dir}/circus.ini`], { stdio });
    fs.closeSync(stray);
    await waitFor(() => /ready: /.test(sup.stderr()), 'the supervisor to be ready', 30000);
    const endpoint = `unix://${dir}/ctl.sock`;
    const r = { ok: (c: string, p: Record<string, unknown>) => ctlRequest(endpoint, c, p) } as unknown as Running;
    const [pidA] = await waitFor<number[] | undefined>(async () => {
      const p = await runningPids(r, 'a');
      return p.length === 1 && sup.stderr().includes(`circus-worker[${p[0]}] serving`) ? p : undefined;
    }, 'worker a serving', 30000) as number[];
    const portA = Number(/socket a listening on 127\.0\.0\.1:(\d+)/.exec(sup.stderr())![1]);
    const inodeA = listeningInode(portA)!;
    const notifyFd = /CIRCUS_NOTIFY_FD=(\d+)/.exec(fs.readFileSync(`/proc/${pidA}/environ`, 'latin1'))![1];
    const allowed = new Set([`socket:[${inodeA}]`, fs.readlinkSync(`/proc/${pidA}/fd/${notifyFd}`)]);
    const supTargets = fdTargets(sup.child.pid!, 3);
    assert.ok([...supTargets.values()].some((t) => t.endsWith('stray.txt')), 'the supervisor holds the stray fd');
    // Sockets the supervisor made itself: listeners and the control endpoint (not what it inherited).
    supervisorSockets = new Set([...supTargets].filter(([fd, t]) => fd !== 40 && t.startsWith('socket:')).map(([, t]) => t));
    const workerTargets = fdTargets(pidA, 3);
    ownSocket = [...workerTargets.values()].includes(`socket:[${inodeA}]`);
    const shared = new Set(supTargets.values());
    leaked = [...workerTargets].filter(([, t]) => shared.has(t) && !allowed.has(t)).map(([fd, t]) => `fd ${fd} → ${t}`);
  });

  test('it holds its own listening socket and none of the other sockets of the supervisor (other listener, control endpoint)', () => {
    assert.ok(ownSocket, 'worker a holds its own listening socket');
    assert.deepEqual(leaked.filter((l) => supervisorSockets.has(l.slice(l.indexOf('→ ') + 2))), []);
  });

  test('it holds nothing else of its supervisor besides its notify pipe, not even fds the supervisor inherited', { todo: SUPERVISOR_GAPS['inherited fds'] }, () => {
    assert.deepEqual(leaked, []);
  });
});

/** fd → link target for every fd >= `from` of `pid` that names one object (sockets, pipes, files). */
function fdTargets(pid: number, from: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((n) => n >= from)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (!target.startsWith('anon_inode:') && target !== '/dev/null') out.set(fd, target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function groupId(name: string): number {
  const line = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no group ${name}`);
  return Number(line.split(':')[2]);
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (within [from, to) when given). */
async function freePort(from = 0, to = 0): Promise<number> {
  for (let p = from; p < (to || from + 1); p++) {
    const port = await new Promise<number | undefined>((resolve) => {
      const s = net.createServer().once('error', () => resolve(undefined));
      s.listen(p, '127.0.0.1', () => {
        const got = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(got));
      });
    });
    if (port) return port;
  }
  throw new Error(`no free port in [${from}, ${to})`);
}

