// parseReport (sys/metrics-report.ts): what the supervisor accepts from a METRICS= line. No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKETS, parseReport } from '../../sys/metrics-report.js';

const good = { codes: { '200': 2, '503': 1 }, buckets: BUCKETS.map((_, i) => i), count: 3, sum: 0.2, inflight: 1, websockets: 0, rss: 1e7, cpu: 0.3, lag: 0, lagMax: 0.01 };

test('parseReport accepts a well-formed report', () => {
  assert.deepEqual(parseReport(JSON.stringify(good)), good);
});

test('parseReport rejects what is not a report, without throwing', () => {
  const bad: Record<string, unknown> = {
    'not JSON': 'METRICS',
    'null': null,
    'a number': 5,
    'no codes': { ...good, codes: undefined },
    'a buckets array of the wrong length': { ...good, buckets: [1, 2] },
    'a non-numeric bucket': { ...good, buckets: BUCKETS.map(() => 'x') },
    'a missing count': { ...good, count: undefined },
    'a NaN lag (null in JSON)': { ...good, lag: null },
    'a status code that is not 1-3 digits': { ...good, codes: { '2000': 1 } },
    'a status count that is not a number': { ...good, codes: { '200': '1' } },
  };
  for (const [what, value] of Object.entries(bad)) assert.equal(parseReport(typeof value === 'string' ? value : JSON.stringify(value)), undefined, what);
});
