// Circus's flapping rule (supervisor/flapping.ts FlappingDetector) on a clock of our own. No processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlappingDetector } from '../../supervisor/run/flapping.js';

const cfg = { attempts: 3, window: 1, retryIn: 7, maxRetry: 2 };

test('attempts exits within window: retry; spread-out exits: ok', () => {
  const d = new FlappingDetector(cfg);
  assert.deepEqual([d.exitAt(0), d.exitAt(400), d.exitAt(900)], ['ok', 'ok', 'retry']);
  assert.equal(d.tries, 1);
  const spread = new FlappingDetector(cfg);
  assert.deepEqual([spread.exitAt(0), spread.exitAt(600), spread.exitAt(1200), spread.exitAt(1800)], ['ok', 'ok', 'ok', 'ok']);
});

test('after max_retry rounds it gives up; a spread-out round in between forgets the earlier ones', () => {
  const d = new FlappingDetector(cfg);
  const round = (t: number) => [d.exitAt(t), d.exitAt(t + 1), d.exitAt(t + 2)].at(-1);
  assert.equal(round(0), 'retry');
  assert.equal(round(10_000), 'retry');
  assert.equal(round(20_000), 'give-up');
  const e = new FlappingDetector(cfg);
  const roundE = (t: number) => [e.exitAt(t), e.exitAt(t + 1), e.exitAt(t + 2)].at(-1);
  assert.equal(roundE(0), 'retry');
  assert.equal(roundE(10_000), 'retry');
  assert.equal(e.exitAt(20_000), 'ok');
  assert.equal(e.exitAt(30_000), 'ok');
  assert.equal(e.exitAt(40_000), 'ok', 'exits 10 s apart: not flapping');
  assert.equal(e.tries, 0, 'so earlier rounds are forgotten');
});

test('max_retry -1 never gives up; reset() and update() take effect', () => {
  const d = new FlappingDetector({ ...cfg, maxRetry: -1 });
  for (let r = 0; r < 20; r++) assert.equal([d.exitAt(r * 10_000), d.exitAt(r * 10_000 + 1), d.exitAt(r * 10_000 + 2)].at(-1), 'retry');
  d.reset();
  assert.equal(d.tries, 0);
  d.update({ ...cfg, attempts: 1 });
  assert.equal(d.exitAt(500_000), 'retry', 'one exit is a round once attempts = 1');
});
