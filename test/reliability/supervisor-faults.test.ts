// Short versions of the faults-under-load scenarios (npm run chaos runs them for 60 s): with
// circus-supervisor holding the socket, killed, reloaded, resized and crash-looping workers cost
// no refused connection, and at most the requests in flight on a killed worker.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { workerMatrix } from '../chaos/worker-matrix.js';
import { crashLoop, hungWorkers, incrDecrLoop, killAllAtOnce, killRandomWorker, manyRestarts, reloadLoop, unwritableStream, type FaultResult } from '../chaos/scenarios/supervisor-faults.js';
import { crashLoopProblems, hungWorkerProblems, restartProblems, servedProblems, unwritableStreamProblems } from '../chaos/verdicts.js';
import { gapFor } from '../chaos/known-gaps.js';

after(killAll);

function figures(r: FaultResult): string {
  const { load } = r;
  return JSON.stringify({ faults: r.faults, sent: load.sent, ok: load.ok, failed: load.failed, refused: load.refused, causes: load.causes, p99Ms: Math.round(load.p99Ms), supervisor: r.supervisor, notes: r.notes });
}

function assertServed(r: FaultResult): void {
  assert.deepEqual(servedProblems(r), [], figures(r));
}

const backends = (await workerMatrix()).filter((c) => c.handler === 'fetch');
// Restarts, crash loops and log files test the supervisor, not the worker's backend: in npm test
// they run on the node backend only (npm run chaos runs them on every backend).
const supervisorOnly = (b: string) => (b === 'node' ? undefined : 'backend-independent; npm run chaos runs it on every backend');

for (const combo of backends) {
  const b = combo.backend;
  describe(`supervisor faults under load: ${b} backend`, { skip: combo.skip }, () => {
    test('SIGKILL a random worker every second for 3 s', { todo: gapFor(b, 'kill random') }, async (t) => {
      const r = await killRandomWorker({ backend: b }, 3, 3500, 1000);
      t.diagnostic(figures(r));
      assert.ok(r.faults >= 2);
      assertServed(r);
    });

    test('reload twice (circus-ctl reload, then SIGHUP) under load: zero failed', { todo: gapFor(b, 'reload') }, async (t) => {
      const r = await reloadLoop({ backend: b }, 2, 6000, 2500);
      t.diagnostic(figures(r));
      assert.equal(r.faults, 2);
      assertServed(r);
    });

    test('incr/decr every second under load: zero failed', { todo: gapFor(b, 'incr/decr') }, async (t) => {
      const r = await incrDecrLoop({ backend: b }, 2, 3500, 1000);
      t.diagnostic(figures(r));
      assert.ok(r.faults >= 3);
      assertServed(r);
    });

    test('all workers killed at once: connections queue in the backlog, none refused', { todo: gapFor(b, 'kill all') }, async (t) => {
      const r = await killAllAtOnce({ backend: b }, 2, 4000);
      t.diagnostic(figures(r));
      assertServed(r);
    });

    test('20 restarts: the supervisor keeps the same fd count and bounded RSS', { skip: supervisorOnly(b), todo: gapFor(b, 'restarts') }, async (t) => {
      const r = await manyRestarts({ backend: b }, 2, 20, 60000);
      t.diagnostic(figures(r));
      assert.deepEqual(restartProblems(r, 20), []);
    });

    test('crash-looping apps end stopped by flapping detection; the healthy watcher serves throughout', { skip: supervisorOnly(b), todo: gapFor(b, 'crash loop') }, async (t) => {
      const r = await crashLoop({ backend: b }, 30000);
      t.diagnostic(figures(r));
      assert.deepEqual(crashLoopProblems(r), []);
    });

    test('a worker whose event loop blocks is killed by the watchdog and replaced within timeout + 2 s', { skip: supervisorOnly(b), todo: gapFor(b, 'hung worker') }, async (t) => {
      const r = await hungWorkers({ backend: b }, 2, 5000, 2000, 2);
      t.diagnostic(figures(r));
      assert.deepEqual(hungWorkerProblems(r, 2), [], figures(r));
    });

    test('an unwritable stdout_stream file is logged; supervision and serving go on', { skip: supervisorOnly(b), todo: gapFor(b, 'unwritable stream') }, async (t) => {
      const r = await unwritableStream({ backend: b }, 4000);
      t.diagnostic(figures(r));
      assert.deepEqual(unwritableStreamProblems(r), []);
    });
  });
}
