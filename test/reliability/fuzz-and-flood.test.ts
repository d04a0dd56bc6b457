// A fast-check fuzzer throwing mutated requests at a running worker, and 10,000 idle connections
// while another client is served (every backend × handler that runs here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { alive, raiseOpenFileLimit } from '../helpers/proc-stats.js';
import { answersGood, comboName, startChaosWorker, workerMatrix, type ChaosWorker } from '../chaos/worker-matrix.js';
import { fuzzWorker } from '../chaos/scenarios/fuzz.js';
import { idleFlood } from '../chaos/scenarios/idle-flood.js';
import { fuzzProblems, idleFloodProblems } from '../chaos/verdicts.js';
import { gapFor } from '../chaos/known-gaps.js';

after(killAll);

const FLOOD = 10_000;

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
      // Both ends hold every connection; floodSize keeps 1000 fds spare. A smaller flood would
      // not test what the name says: raise the soft limits, or skip saying why.
      const need = FLOOD + 1000;
      const limit = Math.min(...[process.pid, w.pid].map((pid) => raiseOpenFileLimit(pid, need)));
      if (limit < need) return t.skip(`the hard open-file limit (ulimit -Hn) allows ${limit} fds; ${FLOOD} idle connections need ${need}`);
      const r = await idleFlood(w.target, w.pid, FLOOD);
      t.diagnostic(JSON.stringify(r));
      assert.equal(r.scaledBecause, undefined);
      assert.equal(r.opened, FLOOD);
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
