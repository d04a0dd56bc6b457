// Which program a watcher's cmd runs: Node scripts and a bare `node` on the supervisor's own Node,
// whatever PATH finds first; a full path to a node binary is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { resolveCommand } from '../../supervisor/run/resolve-command.js';
import { tempDir } from '../helpers/supervisor.js';

function script(dir: string, name: string, firstLine: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${firstLine}\nconsole.log(process.version);\n`, { mode: 0o755 });
  return file;
}

test('a bin whose shebang names node runs on process.execPath, keeping the shebang\'s flags', () => {
  const dir = tempDir();
  const envNode = script(dir, 'env-node', '#!/usr/bin/env node');
  const envS = script(dir, 'env-s', '#!/usr/bin/env -S node --enable-source-maps');
  const direct = script(dir, 'direct', '#!/usr/bin/node --no-warnings');
  const python = script(dir, 'py', '#!/usr/bin/env python3');
  assert.deepEqual(resolveCommand(['env-node', '--fd', '3'], dir, '/'), [process.execPath, envNode, '--fd', '3']);
  assert.deepEqual(resolveCommand(['env-s'], dir, '/'), [process.execPath, '--enable-source-maps', envS]);
  assert.deepEqual(resolveCommand(['./direct', 'x'], undefined, dir), [process.execPath, '--no-warnings', direct, 'x']);
  assert.deepEqual(resolveCommand(['py'], dir, '/'), [python]);
});

test('a bare node is this Node even when PATH has another first; a full path to a node binary is kept', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'bin'));
  script(path.join(dir, 'bin'), 'node', '#!/bin/sh');
  assert.deepEqual(resolveCommand(['node', 'app.js'], path.join(dir, 'bin'), '/'), [process.execPath, 'app.js']);
  assert.deepEqual(resolveCommand(['/usr/bin/node', 'app.js'], undefined, '/'), ['/usr/bin/node', 'app.js']);
});
