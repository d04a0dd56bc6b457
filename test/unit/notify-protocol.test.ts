// The notify pipe's protocol (sys/notify-protocol.ts) as pure functions: the bounded line reader
// both sides use, and the parsers and writers of every message. No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAMEDUCK, LineReader, metricsLine, parseSupervisorLine, parseWorkerLine, READY, watchdogLine } from '../../sys/notify-protocol.js';
import { BUCKETS, type MetricsReport } from '../../sys/metrics-report.js';

function reader(max?: number) {
  const lines: string[] = [];
  const drops: number[] = [];
  const r = new LineReader((l) => lines.push(l), (n) => drops.push(n), max);
  return { lines, drops, push: (s: string | Buffer) => r.push(typeof s === 'string' ? Buffer.from(s) : s) };
}

test('LineReader: lines split across chunks and several in one chunk, trimmed', () => {
  const r = reader();
  r.push('REA');
  r.push('DY=1\r\nSTOPPING=1\nWATCH');
  assert.deepEqual(r.lines, ['READY=1', 'STOPPING=1']);
  r.push('DOG=1\n\n');
  assert.deepEqual(r.lines, ['READY=1', 'STOPPING=1', 'WATCHDOG=1', '']);
  assert.deepEqual(r.drops, []);
});

test('LineReader: a UTF-8 character cut between two chunks comes out whole', () => {
  const r = reader();
  const bytes = Buffer.from('STATUS=café\n');
  r.push(bytes.subarray(0, 10)); // inside the two bytes of é
  r.push(bytes.subarray(10));
  assert.deepEqual(r.lines, ['STATUS=café']);
});

test('LineReader: a line of exactly the limit is kept; one byte more is dropped, reported once, and the next line is read', () => {
  const r = reader(8);
  r.push('12345678\n');
  assert.deepEqual(r.lines, ['12345678']);
  r.push('1234');
  r.push('56789');
  assert.deepEqual(r.drops, [9], 'reported as soon as it passes the limit');
  for (let i = 0; i < 1000; i++) r.push('x'.repeat(1000));
  assert.deepEqual(r.drops, [9], 'once per line, however long it goes on');
  r.push('tail\nREADY=1\n');
  assert.deepEqual(r.lines, ['12345678', 'READY=1']);
  r.push('123456789\nok\n'); // over-long inside one chunk, newline and all
  assert.deepEqual(r.drops, [9, 9]);
  assert.deepEqual(r.lines, ['12345678', 'READY=1', 'ok']);
});

test('parseWorkerLine: every message a worker sends, and nothing else', () => {
  assert.deepEqual(parseWorkerLine(READY), { kind: 'ready' });
  assert.deepEqual(parseWorkerLine('STOPPING=1'), { kind: 'stopping' });
  assert.deepEqual(parseWorkerLine('STATUS=warming up'), { kind: 'status', text: 'warming up' });
  assert.deepEqual(parseWorkerLine('WATCHDOG=1'), { kind: 'watchdog', loopDelayMs: 0, loopDelayMaxMs: 0 });
  assert.deepEqual(parseWorkerLine(watchdogLine(1.25, 310)), { kind: 'watchdog', loopDelayMs: 1.3, loopDelayMaxMs: 310 });
  assert.deepEqual(parseWorkerLine('WATCHDOG=1 LOOP_DELAY_MS=abc LOOP_DELAY_MAX_MS=-4'), { kind: 'watchdog', loopDelayMs: 0, loopDelayMaxMs: 0 });
  for (const other of ['READY=0', 'WATCHDOG=10', 'ready=1', 'LAMEDUCK=1', '', 'SOMETHING-NEWER=1']) assert.equal(parseWorkerLine(other), undefined, other);
});

test('metricsLine and parseWorkerLine round-trip a report; a malformed one parses as undefined', () => {
  const report: MetricsReport = { codes: { '200': 3, '0': 1 }, buckets: BUCKETS.map(() => 4), count: 4, sum: 0.5, inflight: 0, websockets: 2, rss: 5e7, cpu: 1.5, lag: 0.001, lagMax: 0.31 };
  assert.deepEqual(parseWorkerLine(metricsLine(report)), { kind: 'metrics', report });
  assert.deepEqual(parseWorkerLine('METRICS={"codes":{}}'), { kind: 'metrics', report: undefined });
  assert.deepEqual(parseWorkerLine(metricsLine({ ...report, lag: NaN })), { kind: 'metrics', report: undefined }, 'NaN travels as null');
});

test('parseSupervisorLine: LAMEDUCK=1 only', () => {
  assert.equal(parseSupervisorLine(LAMEDUCK), 'LAMEDUCK=1');
  for (const other of ['LAMEDUCK=0', 'READY=1', '', 'SOMETHING-NEWER=1']) assert.equal(parseSupervisorLine(other), undefined, other);
});
