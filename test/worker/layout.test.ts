// The worker's layout (docs: two backends around one fetch core) holds in the source: fetch/
// and tls/ import neither backend, uws/ and node/ do not import each other, nothing below worker/
// imports the CLI side (cli, choose-backend, lifecycle, load-app, listen-target), and no source
// file in worker/ or sys/ is over 300 lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imports, longerThan, sources } from '../helpers/source-files.js';

/** worker/ files everything may import: what a backend is, logging, error codes. */
const BASE = new Set(['worker/contract.ts', 'worker/log.ts', 'worker/error-codes.ts']);

/** Where `file` may import from, by the folder it is in. */
function allowed(file: string, target: string): boolean {
  if (target.startsWith('sys/') || BASE.has(target)) return true;
  const folder = file.split('/').slice(0, 2).join('/');
  if (folder === 'worker/fetch') return target.startsWith('worker/fetch/');
  // TLS (certificates, renewal, the node:https server) is beside the fetch core: backends use it, it uses neither.
  if (folder === 'worker/tls') return target.startsWith('worker/tls/');
  if (folder === 'worker/uws' || folder === 'worker/node') return target.startsWith(`${folder}/`) || target.startsWith('worker/fetch/') || target.startsWith('worker/tls/');
  if (BASE.has(file)) return false;
  return true; // the CLI side may import anything in worker/
}

test('worker/ imports point down: fetch core <- backends <- CLI side; sys/ and the base are shared', () => {
  const wrong: string[] = [];
  for (const file of sources('worker')) for (const target of imports(file)) if (!allowed(file, target)) wrong.push(`${file} imports ${target}`);
  for (const file of sources('sys')) for (const target of imports(file)) if (!target.startsWith('sys/')) wrong.push(`${file} imports ${target}`);
  assert.deepEqual(wrong, []);
  assert.ok(imports('worker/uws/fetch.ts').includes('worker/fetch/run-handler.ts'), 'the import scan finds imports');
});

test('no source file in worker/ or sys/ is over 300 lines', () => {
  assert.deepEqual(longerThan(300, 'worker', 'sys'), []);
});
