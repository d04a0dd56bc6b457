// --version on the three CLIs: the package.json version on stdout, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, ROOT } from '../helpers/process.js';

const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

for (const bin of ['worker/cli.js', 'supervisor/cli.js', 'supervisor/ctl.js']) {
  test(`${bin} --version prints ${VERSION}`, () => {
    for (const flag of ['--version', '-V']) {
      const out = execFileSync(process.execPath, [path.join(BUILD, bin), flag], { encoding: 'utf8', timeout: 30000 });
      assert.equal(out.trim(), VERSION);
    }
  });
}
