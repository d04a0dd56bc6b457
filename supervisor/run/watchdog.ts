// The supervisor's end of the heartbeat: a process that is READY and then stays silent on its
// pipe for more than `timeout` seconds has a blocked event loop. It is SIGKILLed without being
// asked to stop, so its exit is a crash: the watcher replaces it and the flapping rule applies.
// circus-worker heartbeats once READY; any other command is watched only once it has sent one.
import { log } from '../log.js';
import type { Proc } from './process.js';

/** How often to look, and how often the child is asked to beat: a few times per timeout, at most 1 s. */
export function heartbeatEvery(timeoutS: number): number {
  return Math.max(50, Math.min(1000, Math.round(timeoutS * 250)));
}

export class Watchdog {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly name: string,
    private readonly procs: () => Iterable<Proc>,
    /** True when the command is known to heartbeat once READY (circus-worker). */
    private readonly beatsOnceReady: () => boolean,
  ) {}

  /** (Re)starts the check for `timeoutS` seconds; 0 turns it off. */
  arm(timeoutS: number): void {
    clearInterval(this.timer);
    this.timer = timeoutS > 0 ? setInterval(() => this.check(timeoutS), heartbeatEvery(timeoutS)) : undefined;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private check(timeoutS: number): void {
    const now = Date.now();
    for (const p of this.procs()) {
      if (!p.alive || p.stopRequested || p.killedByWatchdog) continue;
      const since = p.heartbeat?.at ?? (p.notified && this.beatsOnceReady() ? p.readyAt : undefined);
      if (since === undefined || now - since <= timeoutS * 1000) continue;
      log.warn(`${this.name}: process ${p.pid} missed its heartbeat for ${timeoutS} s (event loop blocked); killed`);
      p.killedByWatchdog = true;
      p.signal('SIGKILL');
    }
  }
}
