// The `metrics` control command's answer: each process's latest report as it stands (for
// circus-ctl top, which turns successive samples into rates), or the Prometheus text.
import type { MetricsReport } from '../../sys/metrics-report.js';
import type { Arbiter } from '../arbiter.js';
import type { Watcher } from '../watcher.js';
import { renderMetrics } from './exposition.js';

export interface WorkerSample {
  watcher: string;
  pid: number;
  wid: number;
  state: string;
  /** When the report arrived (ms since the epoch); 0 and no report for commands that send none. */
  at: number;
  report: MetricsReport | null;
}

export function workerSamples(watchers: Iterable<Watcher>): WorkerSample[] {
  return [...watchers].flatMap((w) =>
    [...w.procs].map((p) => ({ watcher: w.name, pid: p.pid, wid: p.spec.wid, state: p.state, at: p.reports.at, report: p.reports.last ?? null })),
  );
}

/** `{command: "metrics", properties: {name?, format?: "prometheus"}}`. */
export function metricsCommand(a: Arbiter, watchers: Watcher[], format: unknown): Record<string, unknown> {
  if (format === 'prometheus') return { text: renderMetrics(a) };
  return { now: Date.now(), workers: workerSamples(watchers) };
}
