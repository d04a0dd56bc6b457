// The `metrics` control command's answer: each process's latest report as it stands (for
// circus-ctl top, which turns successive samples into rates), or the Prometheus text.
import type { Answers, WorkerSample } from '../../answers.js';
import type { Watcher } from '../../run/watcher.js';
import { renderMetrics, type MetricsView } from './exposition.js';

function workerSamples(watchers: Iterable<Watcher>): WorkerSample[] {
  return [...watchers].flatMap((w) =>
    [...w.procs].map((p) => ({ watcher: w.name, pid: p.pid, wid: p.spec.wid, state: p.state, at: p.reports.at, report: p.reports.last ?? null })),
  );
}

/** `{command: "metrics", properties: {name?, format?: "prometheus"}}`. */
export function metricsCommand(a: MetricsView, watchers: Watcher[], format: unknown): Answers['metrics'] {
  if (format === 'prometheus') return { text: renderMetrics(a) };
  return { now: Date.now(), workers: workerSamples(watchers) };
}
