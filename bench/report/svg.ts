// An SVG bar chart: one panel per (scenario, connections) cell, a bar per contender with its
// req/s and its ratio to the baseline printed on it. Plain SVG, no dependencies.
import type { RunRecord } from '../records.js';
import type { Cell, Summary } from './summary.js';

const PANEL_W = 520;
const LABEL_W = 210;
const BAR_H = 16;
const GAP = 5;
const TITLE_H = 26;
const COLS = 2;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function color(id: string, baseline: string): string {
  if (id === baseline) return '#868e96';
  if (id.startsWith('circus-')) return '#e8590c';
  if (['nginx', 'gunicorn', 'chaussette'].includes(id)) return '#2f9e44';
  return '#3b5bdb';
}

function k(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n));
}

function panel(cell: Cell, baseline: string, x: number, y: number): string {
  const rows = cell.rows.filter((r) => r.rps !== undefined);
  const max = Math.max(...rows.map((r) => r.rps!), 1);
  const barMax = PANEL_W - LABEL_W - 90;
  const parts = [`<text x="${x}" y="${y + 16}" class="t">${esc(`${cell.label}, ${cell.connections} connections`)}</text>`];
  rows.forEach((r, i) => {
    const by = y + TITLE_H + i * (BAR_H + GAP);
    const w = Math.max(1, (r.rps! / max) * barMax);
    const mark = (r.generatorBound ? ' *' : '') + (r.noisy ? ' ~' : '');
    const bad = r.errors + r.timeouts + r.non2xx > 0 ? ' !' : '';
    parts.push(
      `<text x="${x + LABEL_W - 6}" y="${by + 12}" class="l">${esc(r.label)}</text>`,
      `<rect x="${x + LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color(r.id, baseline)}"${r.generatorBound ? ' fill-opacity="0.55"' : ''}/>`,
      `<text x="${x + LABEL_W + w + 4}" y="${by + 12}" class="v">${k(r.rps!)} · ${r.ratio?.toFixed(2) ?? '?'}x${mark}${bad}</text>`,
    );
  });
  return parts.join('\n');
}

export function renderSvg(run: RunRecord, s: Summary): string {
  const cells = s.cells.filter((c) => c.rows.some((r) => r.rps !== undefined));
  const maxRows = Math.max(1, ...cells.map((c) => c.rows.filter((r) => r.rps !== undefined).length));
  const panelH = TITLE_H + maxRows * (BAR_H + GAP) + 14;
  const head = 58;
  const width = COLS * PANEL_W + 20;
  const height = head + Math.ceil(cells.length / COLS) * panelH + 10;
  const m = run.machine;
  const o = run.options;
  const sub = `${m.cpus} CPUs ${m.cpuModel}, Node ${m.node}, ${o.generator} on CPU ${o.generatorCpus ?? 'any'}, servers on CPU ${o.serverCpus ?? 'any'}, ${run.workers} worker(s) each, median of ${o.rounds} rounds; ratio vs ${run.baseline}; * generator-bound, ~ noisy machine, ! errors`;
  const panels = cells.map((c, i) => panel(c, run.baseline, 10 + (i % COLS) * PANEL_W, head + Math.floor(i / COLS) * panelH));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">
<style>.t{font-size:13px;font-weight:600}.l{font-size:11px;text-anchor:end}.v{font-size:11px}.h{font-size:16px;font-weight:700}.s{font-size:11px;fill:#555}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="h">circus-worker benchmark: requests per second (median) and ratio to plain node:http on one inherited fd</text>
<text x="10" y="40" class="s">${esc(sub)}</text>
${panels.join('\n')}
</svg>
`;
}
