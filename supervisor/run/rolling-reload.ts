// The rolling reload: a watcher's processes replaced one at a time, each old process stopped only
// after its successor is ready (circus-ctl reload, reloadconfig of a changed section, SIGHUP, and
// max_age for one process). A successor that is not ready is stopped, the old process kept, and
// the reload fails with ENOTREADY. The watcher's reconcile loop runs it, between its other steps.
import type { Settings } from '../config/options.js';
import { CommandError } from '../errors.js';
import { log } from '../log.js';
import type { MaxAge } from './max-age.js';
import { describeExit, type ExitInfo, type Proc } from './process.js';

/** What a rolling reload needs from its watcher. */
export interface ReplaceHost {
  /** Processes that count toward the target (not stopping, not draining). */
  live(): Proc[];
  /** False once the watcher stops or pauses: a reload under way ends before its next replacement. */
  running(): boolean;
  settings(): Settings;
  spawn(wid: number): Proc;
  /** Resolves true once `p` is ready (READY=1 or warmup_delay), false if it is not in time. */
  ready(p: Proc): Promise<boolean>;
  stop(p: Proc): Promise<ExitInfo>;
  freeWid(): number;
}

export class RollingReload {
  private readonly jobs: { done: () => void; failed: (err: Error) => void }[] = [];

  constructor(
    private readonly name: string,
    private readonly w: ReplaceHost,
  ) {}

  /** Records a reload of every process; it settles once a pass of `run` has replaced them. */
  request(): Promise<void> {
    return new Promise((done, failed) => this.jobs.push({ done, failed }));
  }

  /** A watcher that is not running has nothing to reload: every request is done. */
  cancel(): void {
    this.jobs.splice(0).forEach((r) => r.done());
  }

  /** Runs the requested reloads, each one pass over the live processes, oldest first. */
  async run(): Promise<void> {
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      try {
        for (const p of this.w.live().sort((a, b) => a.startedAt - b.startedAt)) {
          if (!this.w.running()) break;
          await this.replace(p);
        }
        job.done();
      } catch (err) {
        job.failed(err as Error);
      }
    }
  }

  /** max_age: replaces due processes one at a time, oldest first; one that fails keeps a new deadline. */
  async replaceExpired(ages: MaxAge): Promise<void> {
    for (const p of ages.due(this.w.live())) {
      if (!this.w.running() || !p.alive) continue;
      log.info(`${this.name}: process ${p.pid} reached max_age; replacing it`);
      try {
        await this.replace(p);
      } catch (err) {
        log.warn((err as Error).message);
        p.expiresAt = ages.deadline(this.w.settings());
      }
    }
    ages.schedule(this.w.live());
  }

  /** New process in the old one's slot (or a free one), then, once it is ready, the old one stops. */
  private async replace(old: Proc): Promise<void> {
    const fresh = this.w.spawn(old.alive ? old.spec.wid : this.w.freeWid());
    fresh.candidate = true;
    if (!(await this.w.ready(fresh))) {
      const why = fresh.alive ? `did not report READY=1 within ready_timeout = ${this.w.settings().readyTimeout}s` : `exited (${describeExit(fresh.exit!)}) before it was ready`;
      await this.w.stop(fresh);
      throw new CommandError('ENOTREADY', `watcher ${this.name}: new process ${fresh.pid} ${why}; kept the old process ${old.pid}`);
    }
    fresh.candidate = false;
    if (old.alive) await this.w.stop(old);
  }
}
