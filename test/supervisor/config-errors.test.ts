// Every bad configuration stops startup with exit 2 and a message naming file, [section] and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../supervisor/config/load-config.js';
import { start } from '../helpers/process.js';
import { SUPERVISOR_CLI as CLI, FIXTURES, fixtureEnv, tempDir, cleanup } from '../helpers/supervisor.js';

const CASES: [string, RegExp][] = [
  ['bad-unknown-socket.ini', /bad-unknown-socket\.ini:2 \[watcher:web\] cmd: refers to socket "nope" but there is no \[socket:nope\] \(defined: web\)/],
  ['bad-port-not-numeric.ini', /bad-port-not-numeric\.ini:7 \[socket:web\] port: port must be a number from 0 to 65535, got "eighty"/],
  ['bad-duplicate-watcher.ini', /bad-duplicate-watcher\.ini:4 \[watcher:web\]: section is defined twice \(first at line 1\)/],
  ['include-duplicate/main.ini', /web\.extra\.ini:1 \[watcher:web\]: defined twice \(also in .*main\.ini:4\)/],
  ['bad-unknown-option.ini', /bad-unknown-option\.ini:3 \[watcher:web\] numprocess: unknown option \(known: cmd, /],
  ['bad-env-missing-watcher.ini', /bad-env-missing-watcher\.ini:4 \[env:api\]: no \[watcher:api\]/],
  ['bad-unknown-section.ini', /bad-unknown-section\.ini:1 \[watchers:web\]: unknown section/],
  ['bad-missing-cmd.ini', /bad-missing-cmd\.ini \[watcher:web\] cmd: every watcher needs a cmd/],
  ['bad-use-sockets-false.ini', /\[watcher:web\] use_sockets: cmd refers to socket web but use_sockets is not true/],
  ['bad-remote-endpoint.ini', /\[circus\] endpoint: tcp:\/\/0\.0\.0\.0:5555 is not a loopback address.*endpoint_allow_remote = true/],
  ['bad-unknown-variable.ini', /\[watcher:web\] cmd: unknown variable circus\.socket\.web/],
  ['bad-stream-folder.ini', /bad-stream-folder\.ini:4 \[watcher:web\] stdout_stream\.filename: the folder \/\S+\/no-such-folder does not exist \(create it, or name a file in an existing folder\)/],
  ['bad-stream-file.ini', /bad-stream-file\.ini:4 \[watcher:web\] stderr_stream\.filename: \/\S+\/include-ok is a folder/],
  ['bad-stream-class.ini', /\[watcher:web\] stdout_stream\.class: unknown stream class "SyslogStream"/],
  ['bad-stop-signal.ini', /\[watcher:web\] stop_signal: unknown signal "SIGFOO"/],
  ['bad-user.ini', /\[watcher:web\] uid: no such user "no-such-user-here"/],
  ['bad-include-missing.ini', /\[circus\] include: "conf\.d\/\*\.ini" matches no file/],
  ['bad-numprocesses.ini', /\[watcher:web\] numprocesses: must be between 0 and 10000, got -3/],
  ['bad-family.ini', /\[socket:web\] host: 127\.0\.0\.1 is an IPv4 address but family is AF_INET6/],
  ['bad-syntax.ini', /bad-syntax\.ini:3 \[watcher:web\]: expected "key = value"/],
  ['does-not-exist.ini', /does-not-exist\.ini: cannot read the file \(ENOENT\)/],
];

test.after(cleanup);

for (const [fixture, message] of CASES) {
  test(`config error: ${fixture}`, () => {
    assert.throws(
      () => loadConfig(path.join(FIXTURES, fixture)),
      (e: any) => e.exitCode === 2 && typeof e.code === 'string' && message.test(e.message),
    );
  });
}

test('the CLI exits 2 with the message and no stack trace, with and without --check', async () => {
  for (const args of [['--check'], []]) {
    const p = start(process.execPath, [CLI, ...args, path.join(FIXTURES, 'bad-unknown-socket.ini')], { env: fixtureEnv(tempDir()) });
    const { code } = await p.exited;
    assert.equal(code, 2);
    assert.match(p.stderr(), /^circus-supervisor: error: .*bad-unknown-socket\.ini:2 \[watcher:web\] cmd: refers to socket "nope"/);
    assert.doesNotMatch(p.stderr(), /\n\s+at /);
  }
});

test('options Circus accepts but that do nothing here are warnings, not errors', async () => {
  const p = start(process.execPath, [CLI, '--check', path.join(FIXTURES, 'warn-ignored-options.ini')]);
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr());
  for (const key of ['statsd', 'httpd', 'so_reuseaddr', 'stop_children', 'hooks.before_start', 'rlimit_nofile', 'virtualenv']) {
    assert.match(p.stderr(), new RegExp(`WARN .*warn-ignored-options\\.ini \\[[a-z:]+\\] ${key.replace('.', '\\.')}: accepted for Circus compatibility`));
  }
  assert.match(p.stderr(), /\[plugin:statsd\]: plugins are not supported/);
  assert.match(p.stdout(), /OK \(1 sockets, 1 watchers\)/);
});

test('--check exits 2 for a stream file whose folder is missing, before any socket is bound', async () => {
  const p = start(process.execPath, [CLI, '--check', path.join(FIXTURES, 'bad-stream-folder.ini')]);
  assert.equal((await p.exited).code, 2);
  assert.match(p.stderr(), /^circus-supervisor: error: .*\[watcher:web\] stdout_stream\.filename: the folder \S+ does not exist/);
});

test('--check warns about an app file named in cmd or args that does not exist', async () => {
  const dir = tempDir();
  const p = start(process.execPath, [CLI, '--check', path.join(FIXTURES, 'warn-missing-app.ini')], { cwd: dir, env: fixtureEnv(dir) });
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr());
  assert.match(p.stderr(), new RegExp(`WARN .*warn-missing-app\\.ini:7 \\[watcher:web\\] args: app file ${dir}/no-such-app\\.ts does not exist; its processes will fail to start`));
  // The app that exists (named through $(circus.env.…), expanded per process) is not reported.
  assert.doesNotMatch(p.stderr(), /fetch-app\.ts does not exist/);
  assert.match(p.stdout(), /OK \(1 sockets, 1 watchers\)/);
});

test('the seed configuration parses as Circus documents it', () => {
  const cfg = loadConfig(path.join(FIXTURES, 'seed.ini'), { CW_TEST_DIR: '/tmp/x', CW_FIXTURES: FIXTURES });
  const w = cfg.watchers.get('dummy')!;
  assert.equal(w.numprocesses, 5);
  assert.equal(w.useSockets, true);
  assert.deepEqual(w.sockets, ['foo']);
  assert.equal(cfg.endpoint.url, 'unix:///tmp/x/ctl.sock');
  assert.deepEqual(w.flapping, { attempts: 2, window: 1, retryIn: 7, maxRetry: 5 });
  assert.equal(w.stopSignal, 'SIGTERM');
  assert.equal(w.gracefulTimeout, 5);
  assert.equal(cfg.sockets.get('foo')!.backlog, 2048);
});

test('a remote control endpoint opted in with endpoint_allow_remote is accepted with a warning', async () => {
  const p = start(process.execPath, [CLI, '--check', path.join(FIXTURES, 'warn-remote-endpoint.ini')]);
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr());
  assert.match(p.stderr(), /WARN .*\[circus\] endpoint: the control endpoint tcp:\/\/0\.0\.0\.0:5555 is reachable from other hosts and has no authentication/);
});

test('include globs, [env:a,b] and [plugin:flapping] defaults are applied', () => {
  const dir = path.join(FIXTURES, 'include-ok');
  const cfg = loadConfig(path.join(dir, 'main.ini'));
  assert.deepEqual([...cfg.watchers.keys()], ['web', 'api']);
  assert.deepEqual(cfg.files.map((f) => path.relative(dir, f)), ['main.ini', 'conf.d/api.ini', 'conf.d/web.ini']);
  const api = cfg.watchers.get('api')!;
  const web = cfg.watchers.get('web')!;
  assert.deepEqual(api.sockets, ['api', 'web'], 'child fd order = order of first use');
  assert.deepEqual(api.env, { A: '1', B: 'two', LEVEL: 'debug' });
  assert.equal(web.env.LEVEL, 'debug');
  assert.deepEqual(api.flapping, { attempts: 3, window: 2, retryIn: 1.5, maxRetry: 4 });
  assert.deepEqual(web.flapping, { attempts: 3, window: 2, retryIn: 1.5, maxRetry: 9 });
  assert.equal(cfg.sockets.get('api')!.path, path.join(dir, 'api.sock'), 'paths relative to the including file');
  assert.equal(cfg.sockets.get('web')!.family, 'AF_INET6', 'family inferred from host');
  assert.equal(web.copyEnv, true);
});

test('$(circus.env.VAR) in a watcher value other than cmd/args/env (numprocesses from the environment, as for a pod CPU limit)', () => {
  const dir = tempDir();
  const file = path.join(dir, 'env-count.ini');
  fs.writeFileSync(file, '[watcher:web]\ncmd = circus-worker --bind 127.0.0.1:0 app.mjs\nnumprocesses = $(circus.env.WORKERS)\ngraceful_timeout = $(circus.env.GRACE)\n');
  const cfg = loadConfig(file, { WORKERS: '3', GRACE: '7' });
  assert.equal(cfg.watchers.get('web')!.numprocesses, 3);
  assert.equal(cfg.watchers.get('web')!.gracefulTimeout, 7);
  assert.throws(() => loadConfig(file, { GRACE: '7' }), (e: any) => e.exitCode === 2 && /numprocesses: expected a whole number, got "" \(expanded from "\$\(circus\.env\.WORKERS\)"\)/.test(e.message));
});
