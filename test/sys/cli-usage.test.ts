// The three CLIs alike: --version prints package.json's version (exit 0); a usage error is one
// line on stderr that starts with the program's name (a watcher's log mixes several), exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, ROOT } from '../helpers/process.js';

const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

const BINS = [
  { name: 'circus-worker', file: 'worker/cli.js', bad: ['--frob', 'app.ts'], says: /unknown option '--frob'/ },
  { name: 'circus-supervisor', file: 'supervisor/cli.js', bad: ['--frob', 'circus.ini'], says: /unknown option '--frob'/ },
  { name: 'circus-ctl', file: 'supervisor/ctl/cli.js', bad: ['frobnicate'], says: /unknown command 'frobnicate'/ },
];

for (const bin of BINS) {
  test(`${bin.name} --version prints ${VERSION}`, () => {
    for (const flag of ['--version', '-V']) {
      const out = execFileSync(process.execPath, [path.join(BUILD, bin.file), flag], { encoding: 'utf8', timeout: 30000 });
      assert.equal(out.trim(), VERSION);
    }
  });

  test(`${bin.name}: a usage error is one line naming the program, exit 2`, () => {
    const r = spawnSync(process.execPath, [path.join(BUILD, bin.file), ...bin.bad], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith(`${bin.name}: error: `), lines[0]);
    assert.match(lines[0], bin.says);
  });
}
