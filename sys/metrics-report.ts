// The report in the METRICS= line (sys/notify-protocol.ts) a circus-worker sends on its supervisor
// pipe every second (worker/metrics.ts writes it, supervisor/run/worker-reports.ts reads it): one
// JSON object, every count cumulative since the worker started, so a lost or late line loses
// nothing but freshness.

/** Prometheus's default histogram buckets (seconds); the last, +Inf, is the count. */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface MetricsReport {
  /** status code → responses; "0": the client went away before any response was sent. */
  codes: Record<string, number>;
  /** Cumulative counts per BUCKETS bound (le), without +Inf (that is `count`). */
  buckets: number[];
  /** Finished requests (answered or abandoned). */
  count: number;
  /** Seconds spent in all finished requests. */
  sum: number;
  inflight: number;
  websockets: number;
  rss: number;
  /** User + system CPU seconds of this process. */
  cpu: number;
  /** Event-loop delay over the last interval, seconds: mean and max. */
  lag: number;
  lagMax: number;
  /** With --pubsub: messages handed to the broker, received from it, dropped; connected 1/0. */
  pubsub?: PubSubCounts;
}

export interface PubSubCounts {
  published: number;
  received: number;
  dropped: number;
  connected: number;
}

const NUMBERS = ['count', 'sum', 'inflight', 'websockets', 'rss', 'cpu', 'lag', 'lagMax'] as const;

/** The report in a METRICS= line's JSON, or undefined when it is not one (never throws). */
export function parseReport(json: string): MetricsReport | undefined {
  let r: Partial<MetricsReport>;
  try {
    r = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!r || typeof r !== 'object' || !r.codes || typeof r.codes !== 'object' || !Array.isArray(r.buckets) || r.buckets.length !== BUCKETS.length) return undefined;
  if (!NUMBERS.every((k) => Number.isFinite(r[k])) || !r.buckets.every(Number.isFinite)) return undefined;
  if (!Object.entries(r.codes).every(([k, v]) => /^\d{1,3}$/.test(k) && Number.isFinite(v))) return undefined;
  const p = r.pubsub;
  if (p !== undefined && !(p && typeof p === 'object' && (['published', 'received', 'dropped', 'connected'] as const).every((k) => Number.isFinite(p[k])))) delete r.pubsub;
  return r as MetricsReport;
}
