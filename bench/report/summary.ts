// From raw measurements to what the reports show: medians of rounds, ratios to the baseline of
// the same run, the generator's ceiling per cell, and issue 11's targets.
import { NOISY_OTHER_CORES, noiseCores, type ContenderRecord, type RunRecord } from '../records.js';
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
  /** Median CPU time the hypervisor stole meanwhile, in cores. */
  stealCores?: number;
  roundsRps: number[];
  /** Median over rounds of req/s divided by the server's CPU share: requests per server CPU-second. */
  perCpuSecond?: number;
  generatorBound: boolean;
  /** Other work on the machine and hypervisor steal took >= NOISY_OTHER_CORES meanwhile. */
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
export { NOISY_OTHER_CORES } from '../records.js';
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
  const perCpu = ms.filter((m) => m.serverCores > 0).map((m) => m.result.rps / m.serverCores);
  if (perCpu.length) row.perCpuSecond = median(perCpu);
  row.stealCores = median(ms.map((m) => m.stealCores ?? 0));
  row.noisy = median(ms.map(noiseCores)) >= NOISY_OTHER_CORES;
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

const TARGET_SCENARIOS: ScenarioId[] = ['hello', 'json', 'echo', '64k'];

/** Issue 24's targets (uws + Hono against uws-native and Bun.serve) are about these. */
const FETCH_LAYER_SCENARIOS: ScenarioId[] = ['hello', 'json', 'echo'];

/** `id` at least `min` times `ref` per server CPU-second in one cell (req/s shown beside it). */
function perCpuTarget(cell: Cell | undefined, id: string, ref: string, min: number, what: string): TargetCheck {
  const target = `>= ${min.toFixed(2)}x ${ref} per server CPU-second`;
  const a = cell?.rows.find((r) => r.id === id);
  const b = cell?.rows.find((r) => r.id === ref);
  const label = `${what} (${cell ? `${cell.scenario}@${cell.connections}` : ''})`;
  if (!a?.perCpuSecond || !b?.perCpuSecond || !a.rps || !b.rps) return { what: label, target, measured: '–', verdict: 'not measured', why: a?.missing ?? b?.missing };
  const perCpu = a.perCpuSecond / b.perCpuSecond;
  const k = (n: number) => `${Math.round(n / 100) / 10}k`;
  const measured = `${perCpu.toFixed(2)}x (${k(a.perCpuSecond)} vs ${k(b.perCpuSecond)} req/CPU-s); req/s ${(a.rps / b.rps).toFixed(2)}x`;
  const noisy = a.noisy || b.noisy ? 'other processes loaded the machine meanwhile' : undefined;
  return { what: label, target, measured, verdict: perCpu >= min ? 'met' : 'missed', why: noisy };
}

/** `id` at least `min` times `ref` in one cell; generator-bound on both sides says nothing. */
function ratioTarget(cell: Cell | undefined, id: string, ref: string, min: number, what: string): TargetCheck {
  const target = `>= ${min.toFixed(2)}x ${ref}`;
  const where = cell ? `${cell.scenario}@${cell.connections}` : '';
  const a = cell?.rows.find((r) => r.id === id);
  const b = cell?.rows.find((r) => r.id === ref);
  const label = `${what} (${where})`;
  if (!a?.rps || !b?.rps) return { what: label, target, measured: '–', verdict: 'not measured', why: a?.missing ?? b?.missing };
  const ratio = a.rps / b.rps;
  const measured = `${ratio.toFixed(2)}x (${Math.round(a.rps / 100) / 10}k vs ${Math.round(b.rps / 100) / 10}k)`;
  const noisy = a.noisy || b.noisy ? 'other processes loaded the machine meanwhile' : undefined;
  if (ratio >= min) return { what: label, target, measured, verdict: 'met', why: noisy };
  if (a.generatorBound || b.generatorBound) {
    // The generator capped the req/s of one side (its server had CPU to spare), so the req/s
    // ratio says what wrk can do; what each server does with a CPU-second still compares them.
    const bound = a.generatorBound && b.generatorBound ? 'both are' : `${a.generatorBound ? id : ref} is`;
    if (!a.perCpuSecond || !b.perCpuSecond) return { what: label, target, measured, verdict: 'inconclusive', why: `${bound} generator-bound: wrk is the limit here` };
    const perCpu = a.perCpuSecond / b.perCpuSecond;
    return {
      what: label,
      target,
      measured: `${measured}; per server CPU-second ${perCpu.toFixed(2)}x`,
      verdict: perCpu >= min ? 'met' : 'missed',
      why: `${bound} generator-bound (wrk is the limit of its req/s): judged per server CPU-second`,
    };
  }
  return { what: label, target, measured, verdict: 'missed', why: noisy };
}

/** Idle RSS of the circus-worker fetch workers against bare node:http, per worker. */
function rssTarget(run: RunRecord): TargetCheck {
  const what = 'idle RSS per fetch worker (.js app) vs node:http';
  const target = '<= node-fd + 12 MB';
  const base = run.contenders.find((c) => c.id === run.baseline)?.idleRssPerWorkerMB;
  const fetch = run.contenders.filter((c) => /^circus-\w+-fetch$/.test(c.id) && c.idleRssPerWorkerMB !== undefined);
  if (base === undefined || fetch.length === 0) return { what, target, measured: '–', verdict: 'not measured' };
  const worst = fetch.reduce((a, b) => (b.idleRssPerWorkerMB! > a.idleRssPerWorkerMB! ? b : a));
  const over = worst.idleRssPerWorkerMB! - base;
  const measured = `+${over.toFixed(1)} MB (${worst.id} ${worst.idleRssPerWorkerMB!.toFixed(1)} MB vs ${base.toFixed(1)} MB)`;
  const why = run.options.circusApp === 'ts' ? 'measured with --circus-app ts (tsx loaded): the target is for .js apps' : undefined;
  return { what, target, measured, verdict: over <= 12 ? 'met' : 'missed', why };
}

/** Issue 11's targets, per core: the cells at the first connection count. */
function targets(run: RunRecord, cells: Cell[]): TargetCheck[] {
  const app = run.options.fetchApp === 'hono' ? 'Hono' : 'plain fetch app';
  const at = (s: ScenarioId) => cells.find((c) => c.scenario === s && c.connections === run.options.connections[0]);
  const checks: TargetCheck[] = [];
  // The last field: a server that bounds what `id` can reach (node:http itself, for anything on it).
  const rules: Array<[string, string, number, string, string?]> = [
    ['circus-uws-fetch', 'circus-uws-native', 0.8, `uws + ${app} vs uws-native`],
    ['circus-uws-fetch', 'hono-fd', 2, `uws + ${app} vs @hono/node-server`],
    ['circus-node-node', run.baseline, 0.97, 'node handler vs plain node:http'],
    ['circus-node-fetch', 'circus-node-node', 0.9, `node + ${app} vs node handler`],
    ['circus-node-fetch', 'hono-fd', 1.3, `node + ${app} vs @hono/node-server`, run.baseline],
  ];
  for (const [id, ref, min, what, bound] of rules) {
    for (const s of TARGET_SCENARIOS) {
      if (!run.options.scenarios.includes(s)) continue;
      const cell = at(s);
      const c = ratioTarget(cell, id, ref, min, what);
      const ceiling = bound ? cell?.rows.find((r) => r.id === bound) : undefined;
      const refRps = cell?.rows.find((r) => r.id === ref)?.rps;
      if (c.verdict === 'missed' && ceiling?.rps && refRps && ceiling.rps / refRps < min) {
        c.why = [c.why, `out of reach: ${ceiling.label} is itself only ${(ceiling.rps / refRps).toFixed(2)}x ${ref} here`].filter(Boolean).join('; ');
      }
      if (c.verdict !== 'not measured' || run.contenders.some((x) => x.id === id && x.status === 'ran')) checks.push(c);
    }
  }
  checks.push(rssTarget(run));
  // Issue 24: judged per server CPU-second, which other load on a shared machine disturbs far
  // less than req/s (the fetch layer's cost is CPU; both sides ran on the same pinned CPU).
  const fetchLayer: Array<[string, string, number, string]> = [
    ['circus-uws-fetch', 'circus-uws-native', 0.9, `uws + ${app} vs uws-native`],
    ['circus-uws-fetch', 'bun', 1, `uws + ${app} vs Bun.serve + Hono`],
  ];
  for (const [id, ref, min, what] of fetchLayer) {
    if (!run.contenders.some((x) => x.id === ref) || !run.contenders.some((x) => x.id === id)) continue;
    for (const s of FETCH_LAYER_SCENARIOS) if (run.options.scenarios.includes(s)) checks.push(perCpuTarget(at(s), id, ref, min, what));
  }
  return checks;
}

export function summarize(run: RunRecord): Summary {
  const cells: Cell[] = [];
  for (const s of run.options.scenarios) for (const c of run.options.connections) cells.push(buildCell(run, s, c));
  const headline = cells.find((c) => c.scenario === 'hello' && c.connections === 50) ?? cells.find((c) => c.scenario === 'hello') ?? cells[0];
  return { cells, targets: targets(run, cells), headline };
}
