// A child that writes megabytes without a newline down its notify pipe (CIRCUS_NOTIFY_FD) under
// the real circus-supervisor: the supervisor holds at most one bounded line of it (its RSS, read
// from /proc, stays put), says once that the line was dropped, and goes on serving commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/process.js';
import { rssKb } from '../helpers/proc-stats.js';
import { cleanup, FIXTURES, startSupervisor, tempDir } from '../helpers/supervisor.js';

test.afterEach(cleanup);

const FLOOD_MB = 256;
/** Node's stream buffers are garbage until V8 collects them: some growth, not in proportion to the line. */
const LIMIT_MB = 128;

test(`a ${FLOOD_MB} MB line without a newline on the notify pipe: dropped with one log line, supervisor RSS bounded`, async (t) => {
  const dir = tempDir();
  const r = await startSupervisor(
    `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[watcher:flood]\ncmd = ${process.execPath} ${path.join(FIXTURES, 'notify-flood.mjs')}\nnotify = false\n\n[env:flood]\nFLOOD_MB = ${FLOOD_MB}\nFLOOD_GO = ${dir}/go\n`,
    { dir },
  );
  const pid = r.proc.child.pid!;
  await waitFor(async () => ((await r.ok('list', { name: 'flood' })).pids as number[]).length === 1, 'the flooding child', 20000);
  const before = rssKb(pid);
  fs.writeFileSync(path.join(dir, 'go'), '');
  let peak = before;
  const grewMb = () => (peak - before) / 1024;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
  try {
    // Fails as soon as the supervisor grows past the limit (an unbounded reader would also take
    // minutes: it joined the whole line again on every read).
    await waitFor(() => grewMb() > LIMIT_MB || /flooded \d+/.test(r.proc.stdout() + r.proc.stderr()), 'the flood to be written', 120000, 50);
    assert.ok(grewMb() < LIMIT_MB, `supervisor RSS grew by ${grewMb().toFixed(1)} MB (from ${before} kB to ${peak} kB) reading a ${FLOOD_MB} MB line`);
    // The supervisor may still be reading the tail of the flood: until it answers again.
    await r.ok('list', { name: 'flood' });
  } finally {
    clearInterval(sampler);
  }
  assert.ok(grewMb() < LIMIT_MB, `supervisor RSS grew by ${grewMb().toFixed(1)} MB (from ${before} kB to ${peak} kB) reading a ${FLOOD_MB} MB line`);
  t.diagnostic(`supervisor RSS ${before} kB before, ${peak} kB at most while reading the flood`);
  const dropped = () => r.proc.stderr().split('\n').filter((l) => /notify pipe \(CIRCUS_NOTIFY_FD\); dropped/.test(l));
  await waitFor(() => dropped().length > 0, 'the log line about the dropped line', 10000);
  assert.equal(dropped().length, 1, dropped().join('\n'));
  assert.match(dropped()[0], /WARN flood: process \d+ wrote a line of over 16384 bytes/);
});
