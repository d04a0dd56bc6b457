// The worker's per-request observer (worker/request-observer.ts): --max-requests, the metrics
// counts and the access log as one object. No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Requests } from '../../worker/request-observer.js';
import { RequestCounts } from '../../worker/metrics.js';
import type { AccessRecord, Logger } from '../../worker/log.js';

function logger(lines: AccessRecord[]): Logger {
  const none = () => {};
  return { error: none, warn: none, info: none, debug: none, access: (r) => lines.push(r) };
}

test('exhausted resolves once the limit-th request starts, with the count, and only then', async () => {
  const r = new Requests({ limit: 3, log: logger([]), accessLog: false });
  let at: number | undefined;
  void r.exhausted.then((n) => (at = n));
  r.begin();
  r.begin();
  await Promise.resolve();
  assert.equal(at, undefined);
  r.begin();
  await Promise.resolve();
  assert.equal(at, 3);
  assert.equal(r.timed, false, 'nothing to measure: backends skip end()');
});

test('end() feeds the meter and, with the access log, one line per request', () => {
  const lines: AccessRecord[] = [];
  const meter = new RequestCounts();
  const r = new Requests({ limit: 0, meter, log: logger(lines), accessLog: true });
  assert.equal(r.timed, true);
  assert.equal(r.logs, true);
  r.begin();
  r.begin();
  r.end('GET', '/a?b', 200, performance.now() - 5);
  r.end('POST', '/c', 0, performance.now());
  assert.deepEqual([meter.started, meter.finished, meter.byStatus[200], meter.byStatus[0]], [2, 2, 1, 1]);
  assert.deepEqual(lines.map((l) => `${l.method} ${l.url} ${l.status}`), ['GET /a?b 200', 'POST /c 0']);
  assert.ok(lines[0].ms >= 5);
  const quiet = new Requests({ limit: 0, meter: new RequestCounts(), log: logger(lines), accessLog: false });
  quiet.end('GET', '/', 200, 0);
  assert.equal(lines.length, 2, 'no access line without --access-log');
});
