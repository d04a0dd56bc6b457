// The arbiter needs no INI file: run from a configuration whose `file` is undefined (as the
// one-command mode builds it in memory), it starts real workers on a real socket, answers
// reloadconfig with ENOCONFIGFILE (not a crash), keeps serving, and stops cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Arbiter } from '../../supervisor/arbiter.js';
import { loadConfig } from '../../supervisor/config/load-config.js';
import { dispatch } from '../../supervisor/control/commands.js';
import { request } from '../helpers/http.js';
import { waitFor } from '../helpers/process.js';
import { workerWatcher } from '../helpers/supervisor.js';

test('an arbiter whose configuration has no file serves, answers reloadconfig with ENOCONFIGFILE and keeps serving', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-in-memory-'));
  const ini = path.join(dir, 'circus.ini');
  fs.writeFileSync(ini, `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n\n${workerWatcher('web', 'numprocesses = 1')}`);
  const config = loadConfig(ini);
  fs.rmSync(ini);
  delete config.file;
  const arbiter = new Arbiter(config);
  try {
    await arbiter.start();
    const address = arbiter.sockets.get('web')!.address;
    assert.ok(address.family !== 'AF_UNIX');
    const target = { host: address.host, port: address.port };
    await waitFor(async () => (await request(target, '/').catch(() => undefined))?.status === 200, 'a worker answering 200', 30000);
    await assert.rejects(dispatch(arbiter, { command: 'reloadconfig' }), (err: NodeJS.ErrnoException) => err.code === 'ENOCONFIGFILE' && /without a configuration file/.test(err.message));
    assert.equal((await request(target, '/')).status, 200);
    assert.equal(arbiter.watcher('web').state, 'active');
  } finally {
    await arbiter.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await arbiter.done, 0);
});
