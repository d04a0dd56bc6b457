// A stop that arrives while reloadconfig is under way must stop everything, including what the
// reload was about to start: reloadconfig and stop run on one queue, and an interrupted reload
// starts nothing after the stop began.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { waitFor } from '../helpers/process.js';
import { alive } from '../helpers/proc-stats.js';
import { cleanup, startSupervisor, tempDir, waitForRunning } from '../helpers/supervisor.js';

test.afterEach(cleanup);

/** Pids whose command line contains `needle`, from /proc. */
function pidsMatching(needle: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  }).map(Number);
}

test('SIGTERM during reloadconfig: nothing is started after the stop, nothing is left running', async () => {
  const dir = tempDir();
  const marker = `race-${process.pid}-${Date.now()}`;
  // The workers ignore their parent's death, so anything the supervisor forgets to stop survives it.
  const watcher = (name: string, env: string) => `[watcher:${name}]
cmd = node $(circus.env.CW_FIXTURES)/http-worker.mjs $(circus.sockets.web) ${marker}-${name}
use_sockets = true
notify = true
graceful_timeout = 5
env = FIXTURE_DIE_WITH_PARENT=0, ${env}
`;
  const head = `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nport = 0\n\n`;
  const r = await startSupervisor(head + watcher('slow', 'FIXTURE_READY_DELAY_MS=1500, FIXTURE_ECHO=v1'), { dir });
  try {
    await waitForRunning(r, 'slow', 1);
    // v2 changes "slow" (a reload that waits 1.5 s for the new process's READY=1) and adds "late".
    fs.writeFileSync(`${dir}/circus.ini`, head + watcher('slow', 'FIXTURE_READY_DELAY_MS=1500, FIXTURE_ECHO=v2') + watcher('late', 'FIXTURE_ECHO=late'));
    const answer = r.ctl('reloadconfig').catch((err: Error) => ({ status: 'unanswered', reason: err.message }));
    await waitFor(() => (r.proc.stderr().match(/slow: spawned process/g) ?? []).length === 2, 'the reload of slow to start its new process', 20000);
    r.proc.child.kill('SIGTERM');
    const { code } = await r.proc.exited;
    await answer;
    const log = r.proc.stderr();
    assert.equal(code, 0, log);
    const stopAt = log.indexOf('stopping all watchers');
    // Without the marker every spawn would count as "before the stop" and the test would pass on nothing.
    assert.ok(stopAt >= 0, `no "stopping all watchers" line in the supervisor's log:\n${log}`);
    const spawnedLate = [...log.slice(stopAt).matchAll(/(\w+): spawned process (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    const spawned = [...log.matchAll(/spawned process (\d+)/g)].map((m) => Number(m[1]));
    const left = spawned.filter(alive);
    assert.deepEqual({ spawnedAfterStop: spawnedLate, leftRunning: left }, { spawnedAfterStop: [], leftRunning: [] }, log);
  } finally {
    for (const pid of pidsMatching(marker)) process.kill(pid, 'SIGKILL');
  }
});
