// Mutated INI files (fast-check, bounded in time): circus-supervisor either starts cleanly or
// stops with a clean error naming file, section and key; never a stack trace, never half-started.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { baseIni, fuzzIni, runIni } from '../chaos/scenarios/ini-fuzz.js';

after(killAll);

test('the unmutated base INI starts cleanly (so the fuzzer starts from a working file)', async () => {
  assert.equal(await runIni(baseIni('$DIR')), 'clean start');
});

test('mutated INI files for 6 s: each a clean start or a clean error', async (t) => {
  const r = await fuzzIni(6000);
  t.diagnostic(JSON.stringify({ runs: r.runs, outcomes: r.outcomes, ms: Math.round(r.ms) }));
  assert.equal(r.failure, undefined);
  assert.ok(r.runs >= 3, `only ${r.runs} runs`);
});
