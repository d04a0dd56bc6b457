// The option table in docs/supervisor-options.md is the one generated from supervisor/config/options.ts, so a new option, a
// changed default or a newly settable one cannot be documented wrong or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { optionTable, readable, settable } from '../../supervisor/config/options.js';
import { ROOT } from '../helpers/process.js';

test('the option table in docs/supervisor-options.md matches the option table in supervisor/config/options.ts', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'docs/supervisor-options.md'), 'utf8');
  const m = /<!-- options:begin[^>]*-->\n([\s\S]*?)\n<!-- options:end -->/.exec(readme);
  assert.ok(m, 'docs/supervisor-options.md has no <!-- options:begin --> … <!-- options:end --> block');
  assert.equal(m[1], optionTable(), `docs/supervisor-options.md's option table is out of date; replace it with:\n${optionTable()}`);
});

test('every settable option can also be read back', () => {
  for (const key of settable()) assert.ok(readable().includes(key), key);
});
