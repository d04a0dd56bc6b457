// The one per-request observer: --max-requests, the supervisor's metrics (RequestCounts) and the
// access log all see a request through it, and each backend calls it in one place. A request
// costs a counter increment and, when metrics or the access log are on, an end() with plain
// arguments (nothing allocated).
import type { RequestObserver } from './contract.js';
import type { Logger } from './log.js';
import type { RequestCounts } from './metrics.js';

export interface ObserverParts {
  /** --max-requests (with its jitter drawn): the limit, 0 for none. */
  limit: number;
  /** Counts for the supervisor's metrics; absent when nobody collects them. */
  meter?: RequestCounts;
  log: Logger;
  accessLog: boolean;
}

export class Requests implements RequestObserver {
  readonly logs: boolean;
  readonly timed: boolean;
  /** Resolves once `limit` requests have started (never, without a limit). */
  readonly exhausted: Promise<number>;
  private started = 0;
  private reached!: (n: number) => void;

  constructor(private readonly parts: ObserverParts) {
    this.logs = parts.accessLog;
    this.timed = parts.accessLog || parts.meter !== undefined;
    this.exhausted = new Promise((resolve) => (this.reached = resolve));
  }

  begin(): void {
    if (++this.started === this.parts.limit) this.reached(this.started);
    this.parts.meter?.begin();
  }

  end(method: string, url: string, status: number, t0: number): void {
    this.parts.meter?.end(status, t0);
    if (this.logs) this.parts.log.access({ method, url, status, ms: performance.now() - t0 });
  }
}
