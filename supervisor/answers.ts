// The shapes of the control endpoint's answers, shared by the daemon that builds them
// (control/commands.ts) and circus-ctl that prints them (ctl/), so neither reads the other's code.
import type { MetricsReport } from '../sys/metrics-report.js';

/** One process in the `metrics` answer (circus-ctl top turns successive ones into rates). */
export interface WorkerSample {
  watcher: string;
  pid: number;
  wid: number;
  state: string;
  /** When the report arrived (ms since the epoch); 0 and no report for commands that send none. */
  at: number;
  report: MetricsReport | null;
}
