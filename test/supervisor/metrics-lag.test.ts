// nodejs_eventloop_lag_max_seconds end to end: a real circus-worker under circus-supervisor whose
// app blocks its event loop for 300 ms in one request; some report afterwards must say >= 0.3 s.
// (With a histogram reset after every report, a block that straddles the reset was lost.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/process.js';
import { cleanup, startSupervisor, tempDir, waitForRunning, workerWatcher, type Running } from '../helpers/supervisor.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

/** nodejs_eventloop_lag_max_seconds of `pid` in the supervisor's Prometheus text, or undefined. */
async function lagMax(r: Running, pid: number): Promise<number | undefined> {
  const text = String((await r.ok('metrics', { format: 'prometheus' })).text);
  const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds{') && l.includes(`pid="${pid}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('a 300 ms event-loop block shows as >= 0.3 in nodejs_eventloop_lag_max_seconds', async () => {
  const dir = tempDir();
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\n\n` + workerWatcher('web'), { dir });
  const [pid] = await waitForRunning(r, 'web', 1, 30000, false);
  await waitFor(async () => (await lagMax(r, pid)) !== undefined, 'a first metrics report', 10000);
  // Several blocks, each at a different point of the report interval: every one must be seen.
  for (let i = 0; i < 5; i++) {
    assert.equal((await request(r.sockets.get('web')!, '/block?ms=300')).status, 200);
    let seen = 0;
    try {
      await waitFor(async () => (seen = Math.max(seen, (await lagMax(r, pid)) ?? 0)) >= 0.3, 'lag max >= 0.3', 4000, 50);
    } catch {
      assert.fail(`block ${i + 1} of 300 ms: nodejs_eventloop_lag_max_seconds reached only ${seen}`);
    }
    // Until the block has left the reports, so the next one is seen on its own.
    await waitFor(async () => ((await lagMax(r, pid)) ?? 1) < 0.1, 'lag max back under 0.1', 10000, 50);
    await new Promise((res) => setTimeout(res, 137 * (i + 1))); // a different phase each time
  }
});
