// Reloads with the real circus-worker: each new process must report READY=1 before an old one
// is stopped; a new one that never gets ready is killed and the old one kept; SIGHUP; reloadconfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { waitFor } from '../helpers/process.js';
import { lineIndex, servingPids, startSupervisor, tempDir, waitForRunning, watcherPids, workerWatcher, cleanup } from '../helpers/supervisor.js';
import { gone } from '../helpers/proc-stats.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

const header = (dir: string) => `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n\n`;

test('reload waits for READY=1 from each new worker before stopping an old one; a late one is refused', async () => {
  const dir = tempDir();
  const r = await startSupervisor(header(dir) + workerWatcher('web', 'numprocesses = 2\nenv = APP_LOAD_DELAY_MS=1200\ngraceful_timeout = 5'), { dir });
  const old = await waitForRunning(r, 'web', 2, 30000, false);
  await r.ok('reload', { name: 'web' });
  const fresh = await watcherPids(r, 'web');
  assert.equal(fresh.filter((p) => old.includes(p)).length, 0, 'every process was replaced');
  const log = r.proc.stderr();
  for (let k = 0; k < 2; k++) {
    const served = lineIndex(log, new RegExp(`circus-worker\\[${fresh[k]}\\] serving`));
    const exited = lineIndex(log, new RegExp(`process ${old[k]} exited`));
    assert.ok(served !== -1 && exited !== -1 && served < exited, `new ${fresh[k]} served before old ${old[k]} stopped`);
  }
  for (const p of old) assert.ok(gone(p));

  // A new process slower than ready_timeout: reload fails, the old ones stay and serve.
  await r.ok('set', { name: 'web', options: { ready_timeout: 0.3 } });
  const reply = await r.ctl('reload', { name: 'web' });
  assert.equal(reply.status, 'error');
  assert.match(String(reply.reason), /watcher web: new process \d+ did not report READY=1 within ready_timeout = 0\.3s; kept the old process \d+/);
  assert.deepEqual((await watcherPids(r, 'web')).sort(), [...fresh].sort());
  const answering = await servingPids(r.sockets.get('web')!, 6);
  for (const p of answering) assert.ok(fresh.includes(p));
});

test('SIGHUP replaces every worker while the supervisor and its socket stay', async () => {
  const dir = tempDir();
  const r = await startSupervisor(header(dir) + workerWatcher('web', 'numprocesses = 2'), { dir });
  const old = await waitForRunning(r, 'web', 2, 30000, false);
  r.proc.child.kill('SIGHUP');
  await waitFor(() => /reloaded all watchers/.test(r.proc.stderr()), 'the SIGHUP reload to finish', 60000);
  const fresh = await waitForRunning(r, 'web', 2, 30000, false);
  assert.equal(fresh.filter((p) => old.includes(p)).length, 0);
  assert.equal((await request(r.sockets.get('web')!)).status, 200);
  assert.equal(r.proc.child.exitCode, null);
});

test('reloadconfig applies added, removed, resized and re-bound sections; a broken file changes nothing', async () => {
  const dir = tempDir();
  const fixture = (sock: string) => `cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.${sock})\nuse_sockets = true\n`;
  const v1 = `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
${fixture('web')}numprocesses = 2

[watcher:old]
${fixture('admin')}
[socket:web]
port = 0

[socket:admin]
path = ${dir}/a.sock

[socket:gone]
port = 0
`;
  const r = await startSupervisor(v1, { dir });
  const web = await waitForRunning(r, 'web', 2);
  await waitForRunning(r, 'old', 1);
  const v2 = `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
${fixture('web')}numprocesses = 3

[watcher:extra]
${fixture('admin')}
[socket:web]
port = 0

[socket:admin]
path = ${dir}/b.sock
`;
  fs.writeFileSync(`${dir}/circus.ini`, v2);
  const reply = await r.ok('reloadconfig');
  assert.deepEqual(
    (reply.changes as string[]).sort(),
    ['added watcher extra', 'closed socket gone', `rebound socket admin on unix:${dir}/b.sock`, 'removed watcher old', 'watcher web now runs 3 processes'],
  );
  const web2 = await waitForRunning(r, 'web', 3);
  assert.deepEqual(web.filter((p) => web2.includes(p)).sort(), [...web].sort(), 'resizing kept the running processes');
  const [extra] = await waitForRunning(r, 'extra', 1);
  assert.equal((await request(`unix:${dir}/b.sock`)).json().pid, extra);
  assert.equal(fs.existsSync(`${dir}/a.sock`), false, 'the old Unix socket is closed and removed');
  assert.deepEqual(((await r.ok('list')).watchers as string[]).sort(), ['extra', 'web']);
  assert.deepEqual(((await r.ok('listsockets')).sockets as { name: string }[]).map((s) => s.name).sort(), ['admin', 'web']);

  fs.writeFileSync(`${dir}/circus.ini`, v2.replace('numprocesses = 3', 'numprocesses = 3\nnumprocess = 4'));
  const bad = await r.ctl('reloadconfig');
  assert.equal(bad.status, 'error');
  assert.match(String(bad.reason), /circus\.ini:\d+ \[watcher:web\] numprocess: unknown option/);
  assert.deepEqual((await watcherPids(r, 'web')).sort(), [...web2].sort());
  assert.equal((await request(r.sockets.get('web')!)).status, 200);
});

test('a crash-looping app ends as a stopped watcher after max_retry; the supervisor keeps answering', async () => {
  const dir = tempDir();
  const r = await startSupervisor(
    header(dir) + workerWatcher('crashy', 'numprocesses = 2\nenv = APP_CRASH=1\nmax_retry = 2\nflapping.retry_in = 0.3') + workerWatcher('web', ''),
    { dir },
  );
  await waitFor(() => /crashy: still flapping after 2 retries; watcher stopped/.test(r.proc.stderr()), 'the crash loop to give up', 60000);
  await waitFor(async () => (await r.ctl('status', { name: 'crashy' })).status === 'stopped', 'crashy stopped');
  assert.deepEqual(await watcherPids(r, 'crashy'), []);
  assert.equal((r.proc.stderr().match(/flapping \(2 exits within 1s\), round \d\/2/g) ?? []).length, 2);
  const spawns = (r.proc.stderr().match(/crashy: spawned process/g) ?? []).length;
  assert.ok(spawns >= 6 && spawns <= 12, `bounded respawns (${spawns})`);
  assert.equal((await r.ctl('status', { name: 'web' })).status, 'active');
  assert.equal((await request(r.sockets.get('web')!)).status, 200);
});

test('reloadconfig re-binds changed sockets and moves their watchers onto them', async () => {
  const dir = tempDir();
  const fixture = (sock: string) => `cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.${sock})\nuse_sockets = true\n`;
  const conf = (movedPath: string, backlog: number) => `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:moving]
${fixture('moved')}
[watcher:staying]
${fixture('inplace')}
[socket:moved]
path = ${dir}/${movedPath}

[socket:inplace]
path = ${dir}/inplace.sock
backlog = ${backlog}
`;
  const r = await startSupervisor(conf('one.sock', 64), { dir });
  const [moving] = await waitForRunning(r, 'moving', 1);
  const [staying] = await waitForRunning(r, 'staying', 1);
  fs.writeFileSync(`${dir}/circus.ini`, conf('two.sock', 128));
  const reply = await r.ok('reloadconfig');
  assert.deepEqual((reply.changes as string[]).sort(), [
    `rebound socket inplace on unix:${dir}/inplace.sock`,
    `rebound socket moved on unix:${dir}/two.sock`,
    'reloaded watcher moving',
    'reloaded watcher staying',
  ]);
  const [moving2] = await waitForRunning(r, 'moving', 1);
  const [staying2] = await waitForRunning(r, 'staying', 1);
  assert.notEqual(moving2, moving);
  assert.notEqual(staying2, staying);
  assert.equal((await request(`unix:${dir}/two.sock`)).json().pid, moving2);
  assert.equal((await request(`unix:${dir}/inplace.sock`)).json().pid, staying2);
  assert.equal(fs.existsSync(`${dir}/one.sock`), false);
  const sockets = (await r.ok('listsockets')).sockets as { name: string; backlog: number; address: string }[];
  assert.deepEqual(sockets.map((s) => [s.name, s.backlog, s.address]).sort(), [
    ['inplace', 128, `unix:${dir}/inplace.sock`],
    ['moved', 2048, `unix:${dir}/two.sock`],
  ]);
});

test('reloadconfig compares file with file: incr and set survive an unchanged section, an edited numprocesses resizes', async () => {
  const dir = tempDir();
  const conf = (n: number) => `[circus]
endpoint = unix://${dir}/ctl.sock

[watcher:web]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web)
use_sockets = true
numprocesses = ${n}

[socket:web]
port = 0
`;
  const r = await startSupervisor(conf(1), { dir });
  await waitForRunning(r, 'web', 1);
  assert.equal((await r.ok('incr', { name: 'web', nb: 2 })).numprocesses, 3);
  await r.ok('set', { name: 'web', options: { graceful_timeout: 7 } });
  const three = await waitForRunning(r, 'web', 3);
  assert.deepEqual((await r.ok('reloadconfig')).changes, []);
  assert.deepEqual((await watcherPids(r, 'web')).sort(), [...three].sort(), 'no process replaced');
  assert.deepEqual((await r.ok('get', { name: 'web', keys: ['numprocesses', 'graceful_timeout'] })).options, { numprocesses: 3, graceful_timeout: 7 });
  fs.writeFileSync(`${dir}/circus.ini`, conf(2));
  assert.deepEqual((await r.ok('reloadconfig')).changes, ['watcher web now runs 2 processes']);
  await waitForRunning(r, 'web', 2);
  assert.deepEqual((await r.ok('get', { name: 'web', keys: ['graceful_timeout'] })).options, { graceful_timeout: 7 });
});
