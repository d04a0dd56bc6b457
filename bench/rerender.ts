// `npm run bench:report -- bench/results/X.json`: renders X.md again from the run's JSON with the
// current report code (the measurements are not touched), e.g. after the cross-check's verdict rule
// changed. The report says which commit rendered it; its header keeps the commit that measured.
import fs from 'node:fs';
import path from 'node:path';
import { currentCommit } from './machine.js';
import type { BenchRun } from './records.js';
import { renderMarkdown } from './report/markdown.js';
import { summarize } from './report/summary.js';

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => !f.endsWith('.json'))) {
  process.stderr.write('usage: npm run bench:report -- <run.json> [...]\n');
  process.exit(64);
}
for (const file of files) {
  let bench: BenchRun;
  try {
    bench = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchRun;
  } catch (err) {
    process.stderr.write(`${file}: cannot read a bench run: ${(err as Error).message}\n`);
    process.exit(66);
  }
  const base = file.slice(0, -'.json'.length);
  const chart = fs.existsSync(`${base}.svg`) ? path.basename(`${base}.svg`) : undefined;
  const md = renderMarkdown(bench, bench.passes.map(summarize), chart, `rendered again from ${path.basename(file)} by the report code at commit ${currentCommit(process.cwd())} (the measurements are the JSON's, from commit ${bench.passes[0].machine.commit})`);
  fs.writeFileSync(`${base}.md`, md);
  process.stdout.write(`${base}.md\n`);
}
