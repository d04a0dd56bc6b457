// A bounded HTTP load of our own (not autocannon) so every failure is classified: refused
// (ECONNREFUSED: nobody was listening), failed (reset, hang-up, timeout, non-2xx), ok; plus p99.
import http from 'node:http';
import type { Target } from './http.js';

export interface LoadOptions {
  connections: number;
  durationMs: number;
  /** Hard cap on requests, so the loop is bounded in count as well as time. */
  maxRequests?: number;
  /** Reuse connections (like autocannon) or open one per request. */
  keepAlive: boolean;
  path?: string;
  timeoutMs?: number;
  /** What a 200's body counts under in byPid (default: the pid in it). */
  keyOf?: (body: string) => string;
  /** Called with the cause and the time since the start of every failure (for timelines). */
  onFailure?: (cause: string, atMs: number) => void;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  refused: number;
  /** Failures by cause: an errno code, 'timeout' or 'status NNN'. */
  causes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests answered per responding worker pid (from the 'ok <pid>' / {pid} body), or per keyOf. */
  byPid: Record<string, number>;
  ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

function pidIn(body: string): string {
  return /"pid":(\d+)/.exec(body)?.[1] ?? /^ok (\d+)/.exec(body)?.[1] ?? '?';
}

export interface RunningLoad {
  /** Resolves once 50 requests were answered 200 (or the load ended): responses are flowing. */
  started: Promise<void>;
  /** Resolves when the duration or the request cap is reached (or stop() was called). */
  done: Promise<LoadResult>;
  stop(): void;
  /** Counters so far (a live view for fault injectors). */
  snapshot(): { sent: number; ok: number; failed: number; refused: number; byPid: Record<string, number> };
}

export function startLoad(target: Target, opts: LoadOptions): RunningLoad {
  const agent = new http.Agent({ keepAlive: opts.keepAlive, maxSockets: opts.connections });
  const r: LoadResult = { sent: 0, ok: 0, failed: 0, refused: 0, causes: {}, p50Ms: 0, p99Ms: 0, maxMs: 0, byPid: {}, ms: 0 };
  const latencies: number[] = [];
  const cap = opts.maxRequests ?? 5_000_000;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  let stopped = false;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const fail = (cause: string) => {
    opts.onFailure?.(cause, performance.now() - t0);
    r.failed++;
    r.causes[cause] = (r.causes[cause] ?? 0) + 1;
  };

  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      r.sent++;
      const req = http.request({ ...target, agent, path: opts.path ?? '/', method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          latencies.push(performance.now() - start);
          if (res.statusCode === 200) {
            if (++r.ok === 50) markStarted();
            const pid = (opts.keyOf ?? pidIn)(body);
            r.byPid[pid] = (r.byPid[pid] ?? 0) + 1;
          } else fail(`status ${res.statusCode}`);
          resolve();
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          fail(e.code ?? e.message);
          resolve();
        });
      });
      req.setTimeout(opts.timeoutMs ?? 15000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') r.refused++;
        else fail(e.code ?? e.message);
        resolve();
      });
      req.end();
    });

  const loop = async () => {
    while (!stopped && performance.now() < deadline && r.sent < cap) await one();
  };
  const done = Promise.all(Array.from({ length: opts.connections }, loop)).then(() => {
    markStarted();
    agent.destroy();
    latencies.sort((a, b) => a - b);
    r.p50Ms = percentile(latencies, 50);
    r.p99Ms = percentile(latencies, 99);
    r.maxMs = latencies[latencies.length - 1] ?? 0;
    r.ms = performance.now() - t0;
    return r;
  });
  return { started, done, stop: () => (stopped = true), snapshot: () => ({ sent: r.sent, ok: r.ok, failed: r.failed, refused: r.refused, byPid: { ...r.byPid } }) };
}
