// The cross-check's verdict rule (bench/report/agreement.ts): judged on back-to-back pairs, so
// drift of the machine between rounds cancels while a bench that misreports does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agrees, pairedOffset, pooledByContender } from '../../bench/report/agreement.js';
import type { CrossCheck } from '../../bench/records.js';

function check(contender: string, pairs: Array<[number, number]>): CrossCheck {
  const benchRounds = pairs.map((p) => p[0]);
  const byHandRounds = pairs.map((p) => p[1]);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b).slice(1, 3).reduce((a, b) => a + b) / 2;
  return {
    contender, scenario: 'hello', connections: 50, server: '', wrk: '',
    benchRps: med(benchRounds), byHandRps: med(byHandRounds), benchRounds, byHandRounds,
    difference: (med(benchRounds) - med(byHandRounds)) / med(byHandRounds), otherCores: 0, stealCores: 0,
  };
}

test('a machine that drifts between rounds does not make two equal measurements disagree', () => {
  // Each pair equal within 2%, the machine 40% faster in two of the rounds.
  const c = check('a', [[80e3, 79e3], [50e3, 51e3], [52e3, 53e3], [78e3, 80e3]]);
  assert.ok(Math.abs(pairedOffset(c)) < 0.03, `offset ${pairedOffset(c)}`);
  assert.equal(agrees(c), true);
});

test('a bench that measures 20% low disagrees, per cell and pooled', () => {
  const c = check('low', [[40e3, 50e3], [41e3, 52e3], [39e3, 49e3], [40e3, 50e3]]);
  assert.ok(pairedOffset(c) < -0.15, `offset ${pairedOffset(c)}`);
  assert.equal(agrees(c), false);
  const [pooled] = pooledByContender([c, check('low', [[60e3, 75e3], [62e3, 77e3], [59e3, 74e3], [61e3, 76e3]])]);
  assert.equal(pooled.pairs, 8);
  assert.ok(pooled.median < 0.82 && pooled.median > 0.78, `median ${pooled.median}`);
});

test('an older record whose two sides do not line up is judged on the difference of its medians', () => {
  const c = check('old', [[40e3, 50e3], [41e3, 52e3], [39e3, 49e3], [40e3, 50e3]]);
  c.byHandRounds = c.byHandRounds.slice(1);
  assert.equal(pairedOffset(c), c.difference);
  assert.equal(agrees(c), false);
});
