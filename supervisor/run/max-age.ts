// max_age: each process gets a deadline (max_age + random 0..max_age_variance); one timer for
// the earliest wakes the watcher, whose reconcile loop replaces the due processes.
import type { Settings } from '../config/options.js';
import type { Proc } from './process.js';

export class MaxAge {
  private timer?: NodeJS.Timeout;

  constructor(private readonly wake: () => void) {}

  deadline(s: Settings): number | undefined {
    return s.maxAge > 0 ? Date.now() + (s.maxAge + Math.random() * s.maxAgeVariance) * 1000 : undefined;
  }

  /** Due processes, oldest first. */
  due(procs: Proc[]): Proc[] {
    return procs.filter((p) => (p.expiresAt ?? Infinity) <= Date.now()).sort((a, b) => a.startedAt - b.startedAt);
  }

  schedule(procs: Proc[]): void {
    clearTimeout(this.timer);
    const next = Math.min(...procs.map((p) => p.expiresAt ?? Infinity));
    if (Number.isFinite(next)) this.timer = setTimeout(this.wake, Math.max(0, next - Date.now()));
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
