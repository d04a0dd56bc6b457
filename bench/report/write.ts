// Writing a run: timestamped JSON, Markdown and SVG in the results directory, copied to the
// "latest" names the README links to.
import fs from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../records.js';
import { renderMarkdown } from './markdown.js';
import { summarize, type Summary } from './summary.js';
import { renderSvg } from './svg.js';

export interface Written {
  summary: Summary;
  markdown: string;
  files: string[];
}

function latestName(run: RunRecord): string {
  if (run.options.name) return run.options.name;
  return ['latest', run.options.generator === 'wrk' ? 'wrk' : '', run.options.quick ? 'quick' : ''].filter(Boolean).join('-');
}

export function writeRun(run: RunRecord, outDir: string): Written {
  fs.mkdirSync(outDir, { recursive: true });
  const summary = summarize(run);
  const stamp = run.startedAt.replace(/[:.]/g, '-').slice(0, 19);
  const base = `${stamp}-${run.options.generator}${run.options.quick ? '-quick' : ''}`;
  const latest = latestName(run);
  const json = JSON.stringify({ ...run, summary }, null, 2) + '\n';
  const svg = renderSvg(run, summary);
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const file = path.join(outDir, name);
    fs.writeFileSync(file, text);
    files.push(file);
  };
  for (const name of [base, latest]) {
    put(`${name}.json`, json);
    put(`${name}.svg`, svg);
    put(`${name}.md`, renderMarkdown(run, summary, `${name}.svg`));
  }
  return { summary, markdown: renderMarkdown(run, summary), files };
}
