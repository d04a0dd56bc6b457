// HTTP/1.1 conformance of each backend (and each uWS build) against plain node:http: every case
// of the table in helpers/conformance.ts goes to an oracle node:http server and to a worker over
// raw sockets, and the worker must end the exchange the way node does (status class and close
// behaviour). What a uWS build makes impossible for the worker is a todo naming the build and
// the case, and a row of docs/known-gaps.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { killAll } from '../helpers/process.js';
import { app, servingWorker, type ServingWorker } from '../helpers/worker.js';
import { BACKENDS, uwsBuild, uwsSkip } from '../helpers/uws-available.js';
import { CASES, converse, describeOutcome, IDLE_TIMEOUT_S, sameOutcome, startOracle, type Observed, type Outcome } from '../helpers/conformance.js';
import { CONFORMANCE_GAPS, conformanceGap, majorMinor } from '../helpers/conformance-gaps.js';
import { ROOT } from '../helpers/process.js';

after(killAll);

async function runAll(target: Parameters<typeof converse>[0]): Promise<Map<string, Observed>> {
  // In parallel: cases that wait for a timer must not make the file slow.
  const got = await Promise.all(CASES.map((c) => converse(target, c.steps)));
  return new Map(CASES.map((c, i) => [c.name, got[i]]));
}

let oracle: Map<string, Observed>;

before(async () => {
  const server = await startOracle();
  try {
    oracle = await runAll(server.target);
  } finally {
    server.close();
  }
});

for (const backend of ['node', 'uws'] as const) {
  describe(`HTTP/1.1 conformance: ${backend} backend`, { skip: BACKENDS.includes(backend) ? false : uwsSkip }, () => {
    let w: ServingWorker;
    const build = backend === 'uws' ? uwsBuild.id : '';
    let results: Map<string, Observed>;
    before(async () => {
      w = await servingWorker(backend, ['--handler', 'fetch', '--idle-timeout', String(IDLE_TIMEOUT_S)], app('fetch-app.mjs'));
      results = await runAll(w.target);
    });
    after(() => w?.release());

    for (const c of CASES) {
      test(c.name, async (t) => {
        const want: Outcome = c.expect ?? oracle.get(c.name)!;
        const got = results.get(c.name)!;
        const gap = conformanceGap(backend, majorMinor(uwsBuild.version), c.name);
        t.diagnostic(`node:http ${describeOutcome(oracle.get(c.name)!)}; ${backend}${build ? ` ${build}` : ''} ${describeOutcome(got)}`);
        if (gap) {
          // A gap that no longer shows must leave the table (and docs/known-gaps.md) with it.
          if (sameOutcome(want, got)) assert.fail(`${c.name} passes on ${build}, but is listed as a known gap: ${gap}`);
          t.todo(gap); // the assertion below then fails as an expected failure
        }
        assert.ok(sameOutcome(want, got), `${c.name}: want ${want.classes.join(',') || 'no answer'} and ${want.closing}, got ${describeOutcome(got)} (first line ${JSON.stringify(got.head)})`);
      });
    }
  });
}

test('docs/known-gaps.md lists exactly the gaps of each uWS build', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/known-gaps.md'), 'utf8');
  const header = doc.split('\n').find((l) => l.startsWith('| case | uWS '));
  assert.ok(header, 'docs/known-gaps.md has no per-build conformance table');
  const versions = header.split('|').slice(2, -1).map((cell) => cell.match(/uWS (\d+\.\d+)/)?.[1] ?? '?');
  const names = new Set(CASES.map((c) => c.name));
  const listed: string[] = [];
  for (const line of doc.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (!names.has(cells[0])) continue;
    versions.forEach((v, i) => cells[i + 1].startsWith('gap') && listed.push(`${v} ${cells[0]}`));
  }
  const inTests = Object.entries(CONFORMANCE_GAPS).flatMap(([v, gaps]) => Object.keys(gaps).map((name) => `${v} ${name}`));
  assert.deepEqual(listed.sort(), inTests.sort());
});
