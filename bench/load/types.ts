// The contract between the suite and a load generator (autocannon or wrk).

export interface LoadJob {
  url: string;
  method: 'GET' | 'POST';
  /** Request body, latin1-safe text (the echo scenario's bytes are ASCII). */
  body?: string;
  /** wrk's Lua script that makes the same request (method, body, content type), for POSTs. */
  wrkScript?: string;
  connections: number;
  durationSec: number;
  pipelining: number;
  newConnection: boolean;
  timeoutSec: number;
  /** autocannon worker threads / wrk threads. */
  threads: number;
}

export interface LoadResult {
  /** 2xx responses per second: what the tables compare. */
  rps: number;
  responses2xx: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU the generator used during the run, in cores (1 = one CPU fully busy). */
  generatorCores: number;
}

export interface LoadGenerator {
  name: string;
  run(job: LoadJob, signal: AbortSignal): Promise<LoadResult>;
  close(): Promise<void>;
}
