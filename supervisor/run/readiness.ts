// When is a new process ready? With notify, when it sends READY=1 (within ready_timeout);
// without, when it is still alive after warmup_delay.
import { setTimeout as sleep } from 'node:timers/promises';
import type { WatcherConfig } from '../config/types.js';
import { log } from '../log.js';
import type { Settings } from '../config/options.js';
import type { Proc } from './process.js';

/** circus-worker sends READY=1 and heartbeats; other commands are not assumed to. */
export function runsCircusWorker(cmd: string): boolean {
  return /(^|[\s/])circus-worker(\s|$)|worker\/cli\.js(\s|$)/.test(cmd);
}

export class Readiness {
  /** Any child of this watcher has sent READY=1: reloads wait for it from then on. */
  private sawNotify = false;

  /** notify = auto: circus-worker is known to send READY=1; other commands once they have sent it. */
  expected(config: WatcherConfig): boolean {
    if (config.notify !== 'auto') return config.notify === 'yes';
    return this.sawNotify || runsCircusWorker(config.cmd);
  }

  /** Follows a new process: remembers READY=1, warns once when it is late. */
  watch(p: Proc, config: WatcherConfig, settings: Settings): void {
    void p.ready.then((ok) => {
      if (ok) this.sawNotify = true;
    });
    if (!this.expected(config)) return;
    const t = setTimeout(() => {
      if (p.alive && p.state === 'starting') log.warn(`${config.name}: process ${p.pid} has not reported READY=1 after ready_timeout = ${settings.readyTimeout}s`);
    }, settings.readyTimeout * 1000);
    void p.exited.then(() => clearTimeout(t));
    void p.ready.then(() => clearTimeout(t));
  }

  async wait(p: Proc, config: WatcherConfig, settings: Settings): Promise<boolean> {
    if (!this.expected(config)) {
      await Promise.race([sleep(settings.warmupDelay * 1000), p.exited]);
      if (p.alive) p.markRunning();
      return p.alive;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), settings.readyTimeout * 1000)));
    const ok = await Promise.race([p.ready, timeout]);
    clearTimeout(timer);
    return ok && p.alive;
  }
}
