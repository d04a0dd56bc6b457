// One process's METRICS= reports as the supervisor holds them: the latest one and when it came.
// Its counts are cumulative, so the latest report is all there is to keep; once the process is
// gone and its pipe has been read to the end, that last report is final.
import type { MetricsReport } from '../../sys/metrics-report.js';

/** How long after the exit a pipe still held open (by a child of the app) delays the final report. */
const FINAL_GRACE_MS = 1000;

export class WorkerReports {
  last?: MetricsReport;
  /** Date.now() when `last` arrived. */
  at = 0;
  private finish!: () => void;
  /** Resolves once no more reports can come (pipe closed, or exited and FINAL_GRACE_MS passed). */
  readonly final = new Promise<void>((r) => (this.finish = r));

  /** A METRICS= line's report; malformed ones (undefined) are ignored (the previous report stays). */
  receive(r: MetricsReport | undefined): void {
    if (!r) return;
    this.last = r;
    this.at = Date.now();
  }

  /** The pipe reached its end: every report the process wrote has been read. */
  closed(): void {
    this.finish();
  }

  exited(): void {
    setTimeout(this.finish, FINAL_GRACE_MS).unref();
  }
}
