// Circus's flapping rule: `attempts` unexpected exits within `window` seconds stop the watcher
// for `retry_in` seconds; after `max_retry` such rounds (-1 = forever) it stays stopped.
import type { FlappingConfig } from '../config/types.js';

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

/** A watcher's flapping state: the detector, and the pause with its retry timer. */
export class FlappingGuard {
  /** Stopped by the flapping rule until the retry timer fires. */
  paused = false;
  private readonly detector: FlappingDetector;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly name: string,
    private cfg: FlappingConfig,
    private readonly wake: () => void,
    private readonly warn: (msg: string) => void,
  ) {
    this.detector = new FlappingDetector(cfg);
  }

  /** An unexpected exit now: 'retry' has paused the watcher (and will wake it), 'give-up' means stop for good. */
  exit(): FlappingVerdict {
    const verdict = this.detector.exitAt(Date.now());
    if (verdict !== 'retry') return verdict;
    const f = this.cfg;
    this.warn(`${this.name}: flapping (${f.attempts} exits within ${f.window}s), round ${this.detector.tries}/${f.maxRetry === -1 ? '∞' : f.maxRetry}; retrying in ${f.retryIn}s`);
    this.paused = true;
    this.timer = setTimeout(() => {
      this.paused = false;
      this.wake();
    }, f.retryIn * 1000);
    return verdict;
  }

  /** A start by hand: forget past rounds and any pause. */
  reset(): void {
    this.close();
    this.paused = false;
    this.detector.reset();
  }

  update(cfg: FlappingConfig): void {
    this.cfg = cfg;
    this.detector.update(cfg);
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
