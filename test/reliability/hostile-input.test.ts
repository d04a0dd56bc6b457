// Hostile HTTP input against a running worker, for every backend × handler that runs here: each
// malformed request costs its own connection only, never reaches the app, never smuggles a
// second request, and the worker keeps answering a good request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { exchange, type RawResult } from '../helpers/raw.js';
import { alive } from '../helpers/proc-stats.js';
import { answersGood, comboName, seenPaths, startChaosWorker, workerMatrix, type ChaosWorker } from '../chaos/worker-matrix.js';
import { HOSTILE_CASES } from '../chaos/scenarios/hostile-requests.js';
import { hostileProblem, leakedMarkers } from '../chaos/verdicts.js';
import { gapFor } from '../chaos/known-gaps.js';

after(killAll);

const IDLE_TIMEOUT_S = 3;
// A server that neither answers nor closes is cut by us after this; it must have closed first.
const DEADLINE_MS = (IDLE_TIMEOUT_S + 4) * 1000;

for (const combo of await workerMatrix()) {
  describe(`hostile input: ${comboName(combo)}`, { skip: combo.skip }, () => {
    let w: ChaosWorker;
    const results = new Map<string, RawResult>();
    before(async () => {
      w = await startChaosWorker(combo, ['--idle-timeout', String(IDLE_TIMEOUT_S), '--max-body', '64k']);
      // In parallel: a server that stalls on some inputs must not make the file slow.
      await Promise.all(HOSTILE_CASES.map(async (c) => results.set(c.name, await exchange(w.target, c.bytes, { timeoutMs: DEADLINE_MS }))));
    });
    after(() => w?.release());

    for (const c of HOSTILE_CASES) {
      test(c.name, { todo: gapFor(combo.backend, c.name) }, () => {
        const why = hostileProblem(c, results.get(c.name)!, DEADLINE_MS);
        assert.equal(why, undefined, `${c.name}: ${why}`);
      });
    }

    test('no hostile request reached the app', { todo: gapFor(combo.backend, 'no hostile request reached the app') }, async () => {
      assert.deepEqual(leakedMarkers(HOSTILE_CASES, await seenPaths(w.target)), []);
    });

    test('the worker is still up and answers a good request', async () => {
      assert.ok(alive(w.pid), 'worker process is gone');
      assert.ok(await answersGood(w.target));
    });
  });
}
