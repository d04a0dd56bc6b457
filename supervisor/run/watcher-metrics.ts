// A watcher's metrics across the lives of its processes: the reports of the processes it runs now
// plus the final reports of those that are gone, so its counters never go down when a worker
// crashes, is reloaded or recycled. Also counts restarts (a process started in a slot that an
// earlier process of this watcher held).
import type { MetricsReport } from '../../sys/metrics-report.js';
import { BUCKETS } from '../../sys/metrics-report.js';
import type { Proc } from './process.js';

/** The counters of a report: what adds up across processes and lives. */
export interface Counters {
  codes: Record<string, number>;
  buckets: number[];
  count: number;
  sum: number;
}

function emptyCounters(): Counters {
  return { codes: {}, buckets: BUCKETS.map(() => 0), count: 0, sum: 0 };
}

/** Adds `r`'s counters into `into`. */
function addCounters(into: Counters, r: Counters): Counters {
  for (const [code, n] of Object.entries(r.codes)) into.codes[code] = (into.codes[code] ?? 0) + n;
  r.buckets.forEach((n, i) => (into.buckets[i] += n));
  into.count += r.count;
  into.sum += r.sum;
  return into;
}

export class WatcherMetrics {
  /** Processes started in a slot (wid) used before: respawns after exits, reload and max_age replacements. */
  restarts = 0;
  private readonly usedWids = new Set<number>();
  /** What the processes whose reports are final counted. */
  private readonly retired = emptyCounters();
  /** Processes whose reports may still change (running, or exited with the pipe not yet read out). */
  private readonly reporting = new Set<Proc>();

  /** Follows a process from its spawn; its last report joins the retired total when final. */
  add(p: Proc): void {
    if (this.usedWids.has(p.spec.wid)) this.restarts++;
    this.usedWids.add(p.spec.wid);
    this.reporting.add(p);
    void p.reports.final.then(() => {
      if (p.reports.last) addCounters(this.retired, p.reports.last);
      this.reporting.delete(p);
    });
  }

  /** Counters over every process this watcher ever ran (each process's latest report). */
  totals(): Counters {
    const sum = addCounters(emptyCounters(), this.retired);
    for (const p of this.reporting) if (p.reports.last) addCounters(sum, p.reports.last);
    return sum;
  }

  /** Live processes with a report, for gauges (in-flight, RSS, lag…). */
  live(): { proc: Proc; report: MetricsReport }[] {
    return [...this.reporting].filter((p) => p.alive && p.reports.last).map((proc) => ({ proc, report: proc.reports.last! }));
  }
}
