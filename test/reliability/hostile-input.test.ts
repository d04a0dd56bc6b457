// Hostile HTTP input against a running worker, for every backend × handler that runs here: each
// malformed request costs its own connection only, never reaches the app, never smuggles a
// second request, and the worker keeps answering a good request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { exchange, type RawResult } from '../chaos/lib/raw-client.js';
import { isAlive } from '../chaos/lib/proc-stats.js';
import { answersGood, comboName, seenPaths, startChaosWorker, workerMatrix, type ChaosWorker } from '../chaos/lib/worker-under-test.js';
import { HOSTILE_CASES, type HostileCase } from '../chaos/scenarios/hostile-requests.js';
import { gapFor } from '../chaos/known-gaps.js';

after(killAll);

const IDLE_TIMEOUT_S = 3;
// A server that neither answers nor closes is cut by us after this; it must have closed first.
const DEADLINE_MS = (IDLE_TIMEOUT_S + 4) * 1000;

function verdict(c: HostileCase, r: RawResult): string | undefined {
  if (!r.closedByServer) return `connection still open after ${DEADLINE_MS} ms (no answer, no close)`;
  if (r.statuses.length > 1) return `${r.statuses.length} responses (${r.statuses.join(', ')}): a second request got through`;
  if (r.statuses.length === 0) return c.closeOk ? undefined : `closed without the expected ${c.accept.join('/')} response`;
  if (!c.accept.includes(r.statuses[0])) return `answered ${r.statuses[0]}, expected ${c.accept.join('/')}${c.closeOk ? ' or a close' : ''}`;
  return undefined;
}

for (const combo of await workerMatrix()) {
  describe(`hostile input: ${comboName(combo)}`, { skip: combo.skip }, () => {
    let w: ChaosWorker;
    const results = new Map<string, RawResult>();
    before(async () => {
      w = await startChaosWorker(combo, ['--idle-timeout', String(IDLE_TIMEOUT_S), '--max-body', '64k']);
      // In parallel: a server that stalls on some inputs must not make the file slow.
      await Promise.all(HOSTILE_CASES.map(async (c) => results.set(c.name, await exchange(w.target, c.bytes, DEADLINE_MS))));
    });
    after(() => w?.release());

    for (const c of HOSTILE_CASES) {
      test(c.name, { todo: gapFor(combo.backend, c.name) }, () => {
        const why = verdict(c, results.get(c.name)!);
        assert.equal(why, undefined, `${c.name}: ${why}`);
      });
    }

    test('no hostile request reached the app', { todo: gapFor(combo.backend, 'no hostile request reached the app') }, async () => {
      const seen = await seenPaths(w.target);
      const leaked = HOSTILE_CASES.flatMap((c) => c.markers.filter((m) => seen[m]).map((m) => `${c.name} → ${m.slice(0, 40)}`));
      assert.deepEqual(leaked, []);
    });

    test('the worker is still up and answers a good request', async () => {
      assert.ok(isAlive(w.pid), 'worker process is gone');
      assert.ok(await answersGood(w.target));
    });
  });
}
