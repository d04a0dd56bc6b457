// Writing a run: timestamped JSON, Markdown and SVG in the results directory, copied to the
// "latest" names the README links to.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchRun } from '../records.js';
import { renderMarkdown } from './markdown.js';
import { summarize, type Summary } from './summary.js';
import { renderSvg } from './svg.js';

export interface Written {
  summaries: Summary[];
  markdown: string;
  files: string[];
}

function latestName(bench: BenchRun): string {
  const o = bench.passes[0].options;
  if (o.name) return o.name;
  return ['latest', o.generator === 'wrk' ? 'wrk' : '', o.quick ? 'quick' : ''].filter(Boolean).join('-');
}

export function writeRun(bench: BenchRun, outDir: string): Written {
  fs.mkdirSync(outDir, { recursive: true });
  const summaries = bench.passes.map(summarize);
  const o = bench.passes[0].options;
  const stamp = bench.startedAt.replace(/[:.]/g, '-').slice(0, 19);
  const base = `${stamp}-${o.generator}${o.quick ? '-quick' : ''}`;
  const latest = latestName(bench);
  const json = JSON.stringify({ ...bench, summaries }, null, 2) + '\n';
  const svg = renderSvg(bench.passes[0], summaries[0]);
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const file = path.join(outDir, name);
    fs.writeFileSync(file, text);
    files.push(file);
  };
  for (const name of [base, latest]) {
    put(`${name}.json`, json);
    put(`${name}.svg`, svg);
    put(`${name}.md`, renderMarkdown(bench, summaries, `${name}.svg`));
  }
  return { summaries, markdown: renderMarkdown(bench, summaries), files };
}
