// From raw measurements to what the reports show: medians of rounds, ratios to the baseline of
// the same run, the generator's ceiling per cell, and issue 3's targets.
import type { ContenderRecord, RunRecord } from '../records.js';
import { scenarioById, type ScenarioId } from '../scenarios.js';

export interface Row {
  id: string;
  label: string;
  rps?: number;
  ratio?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  generatorCores?: number;
  serverCores?: number;
  otherCores?: number;
  roundsRps: number[];
  generatorBound: boolean;
  /** Other work on the machine used >= NOISY_OTHER_CORES meanwhile. */
  noisy: boolean;
  /** Why there is no number (unavailable, failed, skipped, wrong response). */
  missing?: string;
}

export interface Cell {
  scenario: ScenarioId;
  label: string;
  connections: number;
  rows: Row[];
  ceiling?: { id: string; rps: number; generatorCores: number; saturated: boolean };
}

export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'inconclusive' | 'not measured';
  why?: string;
}

export interface Summary {
  cells: Cell[];
  targets: TargetCheck[];
  headline?: Cell;
}

/** Within this fraction of the generator's saturated ceiling, a result says more about the generator. */
export const GENERATOR_BOUND_MARGIN = 0.1;
/** Other processes using this much CPU (in cores, median) during a contender's runs make its number noisy. */
export const NOISY_OTHER_CORES = 0.25;
/** The generator counts as saturated at this share of the CPUs it is pinned to. */
const SATURATED = 0.9;

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function whyMissing(c: ContenderRecord, scenario: ScenarioId): string | undefined {
  if (c.status !== 'ran') return `${c.status}: ${c.reason ?? ''}`;
  return c.excluded[scenario];
}

function buildRow(run: RunRecord, c: ContenderRecord, scenario: ScenarioId, connections: number): Row {
  const ms = run.measurements.filter((m) => m.contender === c.id && m.scenario === scenario && m.connections === connections);
  const sum = (f: (r: (typeof ms)[number]) => number) => ms.reduce((s, m) => s + f(m), 0);
  const row: Row = {
    id: c.id,
    label: c.label,
    errors: sum((m) => m.result.errors),
    timeouts: sum((m) => m.result.timeouts),
    non2xx: sum((m) => m.result.non2xx),
    roundsRps: ms.map((m) => m.result.rps),
    generatorBound: false,
    noisy: false,
  };
  if (ms.length === 0) {
    row.missing = whyMissing(c, scenario) ?? 'no measurement';
    return row;
  }
  row.rps = median(ms.map((m) => m.result.rps));
  row.p50Ms = median(ms.map((m) => m.result.p50Ms));
  row.p99Ms = median(ms.map((m) => m.result.p99Ms));
  row.generatorCores = median(ms.map((m) => m.result.generatorCores));
  row.serverCores = median(ms.map((m) => m.serverCores));
  row.otherCores = median(ms.map((m) => m.otherCores));
  row.noisy = row.otherCores >= NOISY_OTHER_CORES;
  return row;
}

export function generatorCpuCount(run: RunRecord): number {
  const list = run.options.generatorCpus;
  if (!list) return run.machine.cpus;
  return list.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}

function buildCell(run: RunRecord, scenario: ScenarioId, connections: number): Cell {
  const rows = run.contenders.map((c) => buildRow(run, c, scenario, connections));
  const base = rows.find((r) => r.id === run.baseline)?.rps;
  for (const r of rows) if (r.rps !== undefined && base) r.ratio = r.rps / base;
  const measured = rows.filter((r) => r.rps !== undefined);
  const cell: Cell = { scenario, label: scenarioById(scenario).label, connections, rows };
  if (measured.length === 0) return cell;
  const top = measured.reduce((a, b) => (b.rps! > a.rps! ? b : a));
  const saturated = top.generatorCores! >= SATURATED * generatorCpuCount(run);
  cell.ceiling = { id: top.id, rps: top.rps!, generatorCores: top.generatorCores!, saturated };
  if (saturated) for (const r of measured) r.generatorBound = r.rps! >= (1 - GENERATOR_BOUND_MARGIN) * top.rps!;
  return cell;
}

function ratioTarget(cell: Cell | undefined, baseline: string, id: string, what: string, min: number): TargetCheck {
  const row = cell?.rows.find((r) => r.id === id);
  const target = `>= ${min.toFixed(2)}x the cluster baseline (${cell ? `${cell.scenario}@${cell.connections}` : 'hello'})`;
  if (!row || row.ratio === undefined) return { what, target, measured: '–', verdict: 'not measured', why: row?.missing };
  const measured = `${row.ratio.toFixed(2)}x`;
  const base = cell!.rows.find((r) => r.id === baseline);
  const noisy = row.noisy || base?.noisy ? 'other processes loaded the machine meanwhile: treat with caution' : undefined;
  if (row.ratio >= min) return { what, target, measured, verdict: 'met', why: noisy };
  if (row.generatorBound && base?.generatorBound) {
    return { what, target, measured, verdict: 'inconclusive', why: 'both it and the baseline are generator-bound; use --generator wrk' };
  }
  return { what, target, measured, verdict: 'missed', why: noisy };
}

function rssTarget(run: RunRecord): TargetCheck {
  const circus = run.contenders.filter((c) => c.id.startsWith('circus-') && c.idleRssPerWorkerMB !== undefined);
  const what = 'idle RSS per circus-worker process';
  if (circus.length === 0) return { what, target: '<= 60 MB', measured: '–', verdict: 'not measured' };
  const worst = circus.reduce((a, b) => (b.idleRssPerWorkerMB! > a.idleRssPerWorkerMB! ? b : a));
  const measured = `${worst.idleRssPerWorkerMB!.toFixed(1)} MB max (${worst.id})`;
  return { what, target: '<= 60 MB', measured, verdict: worst.idleRssPerWorkerMB! <= 60 ? 'met' : 'missed' };
}

export function summarize(run: RunRecord): Summary {
  const cells: Cell[] = [];
  for (const s of run.options.scenarios) for (const c of run.options.connections) cells.push(buildCell(run, s, c));
  const headline = cells.find((c) => c.scenario === 'hello' && c.connections === 50) ?? cells.find((c) => c.scenario === 'hello') ?? cells[0];
  const targets = [
    ratioTarget(headline, run.baseline, 'circus-uws-native', 'circus-worker uws+native', 1.6),
    ratioTarget(headline, run.baseline, 'circus-uws-fetch', 'circus-worker uws+fetch', 1.3),
    ratioTarget(headline, run.baseline, 'circus-node-node', 'circus-worker node+node-handler', 0.95),
    rssTarget(run),
  ];
  return { cells, targets, headline };
}
