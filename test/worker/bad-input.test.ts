// Every bad input ends with exit code 2 and one line naming what is wrong, never a stack trace.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { killAll, waitForOutput } from '../helpers/process.js';
import { app, closeFd, runWorker, tcpListener } from '../helpers/worker.js';
import { createListener } from '../../sys/sockets.js';
import { libc, C } from '../../sys/libc.js';

after(killAll);

async function expectUsageError(args: string[], message: RegExp, opts: Parameters<typeof runWorker>[1] = {}): Promise<void> {
  const p = runWorker(args, opts);
  const { code } = await p.exited;
  const err = p.stderr();
  assert.equal(code, 2, `exit code for ${args.join(' ')}: stderr=${err}`);
  assert.match(err, message);
  assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
}

test('missing app file', () => expectUsageError(['--bind', '127.0.0.1:0', app('nope.ts')], /error: app .*nope\.ts does not exist/));

test('app that fails to compile names file:line:column and the compiler\'s message', () =>
  expectUsageError(['--bind', '127.0.0.1:0', app('broken.ts')], /error: app .*broken\.ts failed to load: \/\S+\/broken\.ts:2:8: ERROR: Expected identifier but found ":"$/m));

test('app that throws while loading names its first frame in the app', async () => {
  await expectUsageError(['--bind', '127.0.0.1:0', app('throws-at-load.mjs')], /failed to load: app failed during import \(at \/\S+\/throws-at-load\.mjs:1:7\)$/m);
  // TypeScript: the line is the source's (tsx's source map), not the compiled output's.
  await expectUsageError(['--bind', '127.0.0.1:0', app('throws-at-load.ts')], /failed to load: missing setting DATABASE_URL \(at \/\S+\/throws-at-load\.ts:5:\d+\)$/m);
});

test('app that exports nothing usable', () => expectUsageError(['--bind', '127.0.0.1:0', app('useless.mjs')], /exports a number; expected a fetch handler/));

test('an app that calls listen() and exports nothing is told to export the app instead', () =>
  expectUsageError(['--bind', '127.0.0.1:0', app('listens-only.cjs')], /listens-only\.cjs called listen\(\) itself \(port 0\) while loading and exports no handler: export the app instead \(module\.exports = app, or export default app\)/));

test('an app that calls listen() and exports the app is served, with a warning about its own port', async () => {
  const p = runWorker(['--bind', '127.0.0.1:0', app('listens-and-exports.cjs')]);
  const m = await waitForOutput(p, /serving 127\.0\.0\.1:(\d+) /);
  assert.match(p.stderr(), /warn: app \S+listens-and-exports\.cjs called listen\(\) itself \(port 0\) while loading, so it also serves there, outside the worker; remove that listen\(\) call/);
  assert.equal(await (await fetch(`http://127.0.0.1:${m[1]}/`)).text(), 'from the exported app');
  p.child.kill('SIGTERM');
  await p.exited;
});

test('a named export that does not exist', () => expectUsageError(['--bind', '127.0.0.1:0', `${app('named.mjs')}:missing`], /has no export named 'missing'/));

test('unsupported file type', () => expectUsageError(['--bind', '127.0.0.1:0', app('README.txt')], /expected a \.js, \.mjs/));

test('--fd that is not open', () => expectUsageError(['--fd', '77', app('fetch-app.ts')], /--fd: fd 77 is not open/));

test('--fd N that was not passed says "not open" for every N, though Node fills the low fds itself', async () => {
  // A watcher's cmd run by hand: only 0-2 are inherited; 3 and up are Node's epoll, pipes, eventfds.
  for (const n of [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) {
    await expectUsageError(['--fd', String(n), app('fetch-app.ts')], new RegExp(`--fd: fd ${n} is not open in this process: no socket was passed there.*give --bind HOST:PORT instead$`, 'm'));
  }
});

test('--fd that is not a socket', () => expectUsageError(['--fd', '0', app('fetch-app.ts')], /--fd: fd 0 is not a socket/, { stdio: ['ignore', 'pipe', 'pipe'] }));

test('--fd that is a socket but not listening', async () => {
  const fd = libc().socket(C.AF_INET, C.SOCK_STREAM | C.SOCK_CLOEXEC, 0);
  try {
    await expectUsageError(['--fd', '3', app('fetch-app.ts')], /--fd: fd 3 is a socket but not listening/, { stdio: ['ignore', 'pipe', 'pipe', fd] });
  } finally {
    libc().close(fd);
  }
});

test('--fd that is not a number', () => expectUsageError(['--fd', 'web', app('fetch-app.ts')], /--fd: 'web' is not a file descriptor number/));

test('no listening source at all', () => expectUsageError([app('fetch-app.ts')], /nowhere to listen/, { env: { ...process.env, LISTEN_FDS: '' , LISTEN_PID: '' } }));

test('systemd variables meant for another process', () =>
  expectUsageError([app('fetch-app.ts')], /LISTEN_PID=1 is not this process/, { env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: '1' } }));

test('two listening sources', () => expectUsageError(['--fd', '3', '--bind', '127.0.0.1:0', app('fetch-app.ts')], /give only one of --fd, --bind, --unix/));

test('bad option values', async () => {
  await expectUsageError(['--bind', '127.0.0.1:0', '--backend', 'fast', app('fetch-app.ts')], /--backend.*fast.*Allowed choices/);
  await expectUsageError(['--bind', '127.0.0.1:0', '--max-body', 'lots', app('fetch-app.ts')], /--max-body must be a byte count/);
  await expectUsageError(['--bind', 'localhost', app('fetch-app.ts')], /--bind: 'localhost' is not host:port/);
});

test('--bind on a port in use names the address and errno', async () => {
  const l = tcpListener();
  try {
    const port = (l.address as { port: number }).port;
    await expectUsageError(['--bind', `127.0.0.1:${port}`, app('fetch-app.ts')], new RegExp(`--bind: bind 127\\.0\\.0\\.1:${port} failed: EADDRINUSE`));
  } finally {
    closeFd(l.fd);
  }
});

test('--unix on a path used by a live server is refused, a stale one is replaced', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-unix-'));
  const file = path.join(dir, 'live.sock');
  const live = net.createServer().listen(file);
  try {
    await new Promise((r) => live.once('listening', r));
    await expectUsageError(['--unix', file, app('fetch-app.ts')], /is in use by another server/);
    const stale = createListener({ address: { family: 'AF_UNIX', path: path.join(dir, 'stale.sock') } });
    closeFd(stale.fd); // the file stays, nobody listens
    const w = runWorker(['--unix', path.join(dir, 'stale.sock'), '--backend', 'node', app('fetch-app.ts')]);
    const { waitForOutput } = await import('../helpers/process.js');
    await waitForOutput(w, /serving unix:/);
    w.child.kill('SIGTERM');
    assert.equal((await w.exited).code, 0);
    assert.equal(fs.existsSync(path.join(dir, 'stale.sock')), false, 'the worker removes the socket file it made');
  } finally {
    live.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a uws-native handler on --backend node is refused', () =>
  expectUsageError(['--bind', '127.0.0.1:0', '--backend', 'node', app('uws-only.mjs')], /uws-native handler.*only the uws backend/));
