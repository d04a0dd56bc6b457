// Circus's flapping rule: `attempts` unexpected exits within `window` seconds stop the watcher
// for `retry_in` seconds; after `max_retry` such rounds (-1 = forever) it stays stopped.
import type { FlappingConfig } from './config-types.js';

export type FlappingVerdict = 'ok' | 'retry' | 'give-up';

export class FlappingDetector {
  private timeline: number[] = [];
  tries = 0;

  constructor(private cfg: FlappingConfig) {}

  update(cfg: FlappingConfig): void {
    this.cfg = cfg;
  }

  /** Records one unexpected exit at `now` (ms) and says what the watcher should do. */
  exitAt(now: number): FlappingVerdict {
    this.timeline.push(now);
    if (this.timeline.length < this.cfg.attempts) return 'ok';
    const first = this.timeline[this.timeline.length - this.cfg.attempts];
    this.timeline = this.timeline.slice(-this.cfg.attempts);
    if (now - first > this.cfg.window * 1000) {
      // Exits spread out: the process is not flapping; forget earlier rounds.
      this.tries = 0;
      return 'ok';
    }
    this.timeline = [];
    if (this.cfg.maxRetry !== -1 && this.tries >= this.cfg.maxRetry) return 'give-up';
    this.tries++;
    return 'retry';
  }

  reset(): void {
    this.timeline = [];
    this.tries = 0;
  }
}
