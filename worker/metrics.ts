// Per-request accounting for the supervisor's /metrics: backends call begin() when a request
// starts and end(status, t0) when its response is done; every second a `METRICS={json}` line
// (sys/metrics-report.ts) goes up the supervisor's pipe with the cumulative counts and this
// process's own figures.
// Counting is a few array writes per request; everything else happens in the report timer.
import { BUCKETS, type MetricsReport } from '../sys/metrics-report.js';
import { metricsLine } from '../sys/notify-protocol.js';
import { notifyParent } from '../sys/notify.js';
import type { LoopDelay, LoopLag } from './loop-lag.js';

const BUCKET_MS = BUCKETS.map((s) => s * 1000);
/** Status codes index an array; anything outside 0..999 (node lets apps set any) counts as 0. */
const STATUS_SLOTS = 1000;

export class RequestCounts {
  started = 0;
  finished = 0;
  sumMs = 0;
  /** Responses per status; 0 = the client went away before a response was sent. */
  readonly byStatus = new Float64Array(STATUS_SLOTS);
  /** Requests per bucket (not cumulative); the last slot is over the largest bound. */
  readonly byBucket = new Float64Array(BUCKETS.length + 1);

  begin(): void {
    this.started++;
  }

  /** Its response is complete (`status`), or the client left before one was sent (0). */
  end(status: number, t0: number): void {
    const ms = performance.now() - t0;
    this.finished++;
    this.sumMs += ms;
    this.byStatus[status >= 0 && status < STATUS_SLOTS ? status : 0]++;
    let i = 0;
    while (i < BUCKET_MS.length && ms > BUCKET_MS[i]) i++;
    this.byBucket[i]++;
  }
}

function reportOf(meter: RequestCounts, websockets: number, lag: LoopDelay): MetricsReport {
  const codes: Record<string, number> = {};
  meter.byStatus.forEach((n, status) => {
    if (n) codes[status] = n;
  });
  const buckets: number[] = [];
  let below = 0;
  for (let i = 0; i < BUCKETS.length; i++) buckets.push((below += meter.byBucket[i]));
  const cpu = process.cpuUsage();
  return {
    codes,
    buckets,
    count: meter.finished,
    sum: meter.sumMs / 1000,
    inflight: meter.started - meter.finished,
    websockets,
    rss: process.memoryUsage.rss(),
    cpu: (cpu.user + cpu.system) / 1e6,
    lag: lag.meanMs / 1000,
    lagMax: lag.maxMs / 1000,
  };
}

export const REPORT_MS = 1000;

/**
 * Sends a report every `everyMs` from an unref'd timer (it never keeps the worker alive) on the
 * CIRCUS_NOTIFY_FD pipe. Returns a function that stops the timer and sends one last report, so
 * a worker that drains and exits leaves no answered request uncounted.
 */
export function startReporting(meter: RequestCounts, lag: LoopLag, webSockets: () => number, env: NodeJS.ProcessEnv = process.env, everyMs = REPORT_MS, extra?: () => Partial<MetricsReport>): () => void {
  const send = () => notifyParent(metricsLine({ ...reportOf(meter, webSockets(), lag.read()), ...extra?.() }), env);
  const timer = setInterval(send, everyMs).unref();
  return () => {
    clearInterval(timer);
    send();
  };
}
