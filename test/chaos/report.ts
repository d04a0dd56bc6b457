// The chaos report: one row per scenario and backend, printed as a table and written as JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from '../helpers/load.js';

export type Verdict = 'pass' | 'FAIL' | 'known gap' | 'skipped';

export interface Row {
  scenario: string;
  backend: string;
  verdict: Verdict;
  sent?: number;
  ok?: number;
  failed?: number;
  refused?: number;
  p99Ms?: number;
  fds?: [number, number];
  rssKb?: [number, number];
  /** Why the verdict, and the scenario's own figures. */
  notes: string[];
  ms: number;
}

export function loadFigures(l: LoadResult): Pick<Row, 'sent' | 'ok' | 'failed' | 'refused' | 'p99Ms'> {
  return { sent: l.sent, ok: l.ok, failed: l.failed, refused: l.refused, p99Ms: Math.round(l.p99Ms) };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)}`;

export function table(rows: Row[]): string {
  const head = ['scenario', 'backend', 'verdict', 'sent', 'ok', 'failed', 'refused', 'p99 ms', 'fds before→after', 'RSS MB before→after'];
  const cells = rows.map((r) => [
    r.scenario, r.backend, r.verdict, r.sent ?? '', r.ok ?? '', r.failed ?? '', r.refused ?? '', r.p99Ms ?? '',
    r.fds ? `${r.fds[0]}→${r.fds[1]}` : '', r.rssKb ? `${mb(r.rssKb[0])}→${mb(r.rssKb[1])}` : '',
  ].map(String));
  const md = [head, head.map(() => '---'), ...cells].map((c) => `| ${c.join(' | ')} |`).join('\n');
  const notes = rows.filter((r) => r.notes.length).map((r) => `- ${r.scenario} (${r.backend}): ${r.notes.join('; ')}`).join('\n');
  return `${md}\n\n${notes}\n`;
}

export function machine(): Record<string, unknown> {
  return { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), memGb: Math.round(os.totalmem() / 2 ** 30), loadavg: os.loadavg() };
}

export function write(dir: string, run: { started: string; args: string[]; rows: Row[] }): string {
  fs.mkdirSync(dir, { recursive: true });
  const body = JSON.stringify({ ...run, machine: machine() }, null, 2);
  const file = path.join(dir, `chaos-${run.started.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, body);
  fs.writeFileSync(path.join(dir, 'chaos-latest.json'), body);
  fs.writeFileSync(path.join(dir, 'chaos-latest.md'), table(run.rows));
  return file;
}
