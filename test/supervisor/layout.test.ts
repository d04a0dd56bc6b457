// The supervisor's layout (docs/architecture.md) holds in the source: its folders sit in layers,
// config/ < sockets/ < run/ < control/ < the top (arbiter, start, cli, reload-config, signals, serial),
// and a lower folder never imports a higher one; circus-ctl's home ctl/ imports only itself, the
// shared base (errors, log, endpoint, the answer types) and sys/, and no daemon file imports it.
// No source file in supervisor/ is over 300 lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imports, longerThan, sources } from '../helpers/source-files.js';

/** supervisor/ files everything may import: errors, logging, endpoints, the control answers' types. */
const BASE = new Set(['supervisor/errors.ts', 'supervisor/error-codes.ts', 'supervisor/log.ts', 'supervisor/endpoint.ts', 'supervisor/answers.ts']);
/** Folders from the lowest up; the files directly in supervisor/ (but the base) sit above them all. */
const LAYERS = ['supervisor/config', 'supervisor/sockets', 'supervisor/run', 'supervisor/control'];

const inCtl = (file: string) => file.startsWith('supervisor/ctl/');

/** The layer of a daemon file: its folder's index in LAYERS, or above them all for top-level files. */
function layer(file: string): number {
  const i = LAYERS.findIndex((dir) => file.startsWith(`${dir}/`));
  return i === -1 ? LAYERS.length : i;
}

function allowed(file: string, target: string): boolean {
  if (target.startsWith('sys/')) return true;
  if (!target.startsWith('supervisor/')) return false;
  if (BASE.has(target)) return true;
  if (BASE.has(file)) return false;
  if (inCtl(file) || inCtl(target)) return inCtl(file) && inCtl(target);
  return layer(target) <= layer(file);
}

test('supervisor/ imports point down: config <- sockets <- run <- control <- arbiter and cli; ctl/ stands apart', () => {
  const wrong: string[] = [];
  for (const file of sources('supervisor')) for (const target of imports(file)) if (!allowed(file, target)) wrong.push(`${file} imports ${target}`);
  assert.deepEqual(wrong, []);
  assert.ok(imports('supervisor/run/watcher.ts').includes('supervisor/run/process.ts'), 'the import scan finds imports');
  assert.ok(!allowed('supervisor/run/watcher.ts', 'supervisor/control/health.ts') && !allowed('supervisor/ctl/cli.ts', 'supervisor/run/stats.ts'), 'the rule refuses upward and client-to-daemon imports');
});

test('no source file in supervisor/ is over 300 lines', () => {
  assert.deepEqual(longerThan(300, 'supervisor'), []);
});
