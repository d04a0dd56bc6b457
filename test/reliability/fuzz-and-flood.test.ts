// A fast-check fuzzer throwing mutated requests at a running worker, and 10,000 idle connections
// while another client is served (every backend × handler that runs here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { alive } from '../helpers/proc-stats.js';
import { answersGood, comboName, startChaosWorker, workerMatrix, type ChaosWorker } from '../chaos/worker-matrix.js';
import { fuzzWorker } from '../chaos/scenarios/fuzz.js';
import { idleFlood } from '../chaos/scenarios/idle-flood.js';
import { fuzzProblems, idleFloodProblems } from '../chaos/verdicts.js';
import { gapFor } from '../chaos/known-gaps.js';

after(killAll);

for (const combo of await workerMatrix()) {
  describe(`fuzz and flood: ${comboName(combo)}`, { skip: combo.skip }, () => {
    let w: ChaosWorker;
    before(async () => {
      // Idle timeout above the flood's duration: the point is holding them, not timing them out.
      w = await startChaosWorker(combo, ['--idle-timeout', '60', '--max-body', '64k', '--log-level', 'error']);
    });
    after(() => w?.release());

    // Idle connections never reach a handler: once per backend (with the fetch handler) is enough.
    const perBackend = combo.handler === 'fetch' ? undefined : 'handler-independent: runs with the fetch handler';
    test('10,000 idle connections while another client is still served', { skip: perBackend, todo: gapFor(combo.backend, 'idle flood') }, async (t) => {
      const r = await idleFlood(w.target, w.pid, 10_000);
      t.diagnostic(JSON.stringify(r));
      if (r.scaledBecause) t.diagnostic(`scaled down: ${r.scaledBecause}`);
      assert.deepEqual(idleFloodProblems(r), []);
    });

    test('mutated requests for 3 s: the worker stays up and answers after every batch', { todo: gapFor(combo.backend, 'fuzz') }, async (t) => {
      const r = await fuzzWorker(w.target, w.pid, 3000);
      t.diagnostic(JSON.stringify(r));
      assert.deepEqual(fuzzProblems(r), []);
    });

    test('the worker is still up and answers a good request', async () => {
      assert.ok(alive(w.pid));
      assert.ok(await answersGood(w.target));
    });
  });
}
