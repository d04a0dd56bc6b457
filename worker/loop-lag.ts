// One event-loop delay sampler for the worker: the heartbeat (LOOP_DELAY_MS / LOOP_DELAY_MAX_MS)
// and the metrics report (nodejs_eventloop_lag_seconds / _max_seconds) both read it.
// Two histograms reset in turn: a reset also forgets the previous sample's time, so a delay that
// starts right after one is lost to that histogram (seen: a 300 ms block read as 14 ms); the
// other one still has it.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling timer of the histograms; its own period is not delay. */
const LOOP_SAMPLE_MS = 10;

export interface LoopDelay {
  /** Mean delay of the sampling timer beyond its period, ms. */
  meanMs: number;
  /**
   * Longest gap between two samples, ms: the loop did not turn for up to this long. Not less
   * the sampling period (as prom-client's nodejs_eventloop_lag_max_seconds): a block of B ms
   * that starts between two samples makes a gap of B to B + period, and only the gap is known.
   */
  maxMs: number;
}

export class LoopLag {
  private readonly pair: [IntervalHistogram, IntervalHistogram];
  private older = 0;
  private rotatedAt = performance.now();

  /**
   * `windowMs`: the longest time between two reads of any one reader. A read covers the last one
   * or two windows, so no reader misses a delay between its reads.
   */
  constructor(private readonly windowMs: number) {
    this.pair = [monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS }), monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS })];
    this.pair.forEach((h) => h.enable());
  }

  read(): LoopDelay {
    const [a, b] = this.pair;
    // An empty histogram's mean is NaN and its max 0.
    const count = a.count + b.count;
    const mean = count ? ((a.count && a.mean * a.count) + (b.count && b.mean * b.count)) / count / 1e6 : LOOP_SAMPLE_MS;
    const max = Math.max(a.max, b.max) / 1e6;
    const now = performance.now();
    if (now - this.rotatedAt >= this.windowMs) {
      this.pair[this.older].reset();
      this.older = 1 - this.older;
      this.rotatedAt = now;
    }
    return { meanMs: Math.max(0, mean - LOOP_SAMPLE_MS), maxMs: max };
  }

  stop(): void {
    this.pair.forEach((h) => h.disable());
  }
}
