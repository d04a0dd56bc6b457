// reloadconfig's pure half: diffConfigs (supervisor/config-diff.ts) and planReload
// (supervisor/reload-config.ts) on configs read from INI text. No processes, no sockets.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type CircusConfig } from '../../supervisor/config/load-config.js';
import { diffConfigs } from '../../supervisor/config/diff.js';
import { planReload } from '../../supervisor/reload-config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-unit-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function config(ini: string): CircusConfig {
  // One path for all: a config remembers the file it came from.
  const file = path.join(dir, 'circus.ini');
  fs.writeFileSync(file, `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n${ini}`);
  return loadConfig(file, {});
}

const BASE = `
[socket:web]
host = 127.0.0.1
port = 8001

[socket:admin]
host = 127.0.0.1
port = 8002

[watcher:app]
cmd = /bin/true $(circus.sockets.web)
use_sockets = True
numprocesses = 2

[watcher:cron]
cmd = /bin/true
`;

test('nothing changed: an empty diff, and a plan of an empty bind and the install', () => {
  const d = diffConfigs(config(BASE), config(BASE));
  assert.deepEqual(Object.values(d).map((v) => v.length), [0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(planReload(config(BASE), config(BASE)).steps, [{ kind: 'bind', sockets: [] }, { kind: 'install-sockets' }]);
});

test('numprocesses alone is a resize; any other change is a change; added and removed sections are named', () => {
  const next = config(BASE.replace('numprocesses = 2', 'numprocesses = 4').replace('[watcher:cron]\ncmd = /bin/true', '[watcher:cron]\ncmd = /bin/false') + '\n[watcher:new]\ncmd = /bin/true\n');
  const d = diffConfigs(config(BASE), next);
  assert.deepEqual(d.watchersResized.map((w) => [w.name, w.numprocesses]), [['app', 4]]);
  assert.deepEqual(d.watchersChanged.map((w) => w.name), ['cron']);
  assert.deepEqual(d.watchersAdded.map((w) => w.name), ['new']);
  const gone = diffConfigs(next, config(BASE));
  assert.deepEqual(gone.watchersRemoved, ['new']);
});

test('a changed socket makes its users a change; a socket on a new address is bound first, one on the same address is rebound in place', () => {
  const prev = config(BASE);
  const moved = config(BASE.replace('port = 8001', 'port = 9001'));
  const d = diffConfigs(prev, moved);
  assert.deepEqual(d.socketsChanged.map((s) => s.name), ['web']);
  assert.deepEqual(d.watchersChanged.map((w) => w.name), ['app'], 'app uses web');
  assert.deepEqual(
    planReload(prev, moved).steps.map((s) => s.kind),
    ['bind', 'install-sockets', 'change-watcher'],
  );
  assert.deepEqual((planReload(prev, moved).steps[0] as { sockets: { name: string }[] }).sockets.map((s) => s.name), ['web']);
  const inPlace = config(BASE.replace('port = 8001', 'port = 8001\nbacklog = 77'));
  assert.deepEqual(planReload(prev, inPlace).steps.map((s) => s.kind), ['bind', 'rebind-in-place', 'install-sockets', 'change-watcher']);
});

test('the plan orders its steps: bind, remove, rebind, install, change, resize, add, close; endpoint changes are ignored with a reason', () => {
  const prev = config(BASE);
  const next = config(
    BASE.replace('[socket:admin]\nhost = 127.0.0.1\nport = 8002\n', '[socket:extra]\nhost = 127.0.0.1\nport = 8003\n')
      .replace('numprocesses = 2', 'numprocesses = 1')
      .replace('[watcher:cron]\ncmd = /bin/true', '[watcher:batch]\ncmd = /bin/true'),
  );
  const plan = planReload(prev, next);
  assert.deepEqual(plan.steps, [
    { kind: 'bind', sockets: [next.sockets.get('extra')] },
    { kind: 'remove-watcher', name: 'cron' },
    { kind: 'install-sockets' },
    { kind: 'resize-watcher', name: 'app', numprocesses: 1 },
    { kind: 'add-watcher', config: next.watchers.get('batch') },
    { kind: 'close-socket', name: 'admin' },
  ]);
  assert.deepEqual(plan.ignored, []);
  const moved = { ...next, endpoint: { ...next.endpoint, url: 'tcp://127.0.0.1:6000' } } as CircusConfig;
  assert.deepEqual(planReload(prev, moved).ignored, ['endpoint change to tcp://127.0.0.1:6000 needs a supervisor restart (ignored)']);
});
