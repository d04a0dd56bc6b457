// One [watcher:NAME]: keeps `numprocesses` children running, respawns exits at once, replaces
// children one at a time (reload, max_age) only after the new one is ready, and applies the
// flapping rule. All changes go through one serial queue so operations never interleave.
import type { WatcherConfig } from './config-types.js';
import { CommandError } from './errors.js';
import { MAX_PROCESSES } from './config.js';
import { FlappingDetector } from './flapping.js';
import { log } from './log.js';
import { Proc, type ExitInfo } from './process.js';
import { Serial, sleep } from './serial.js';
import type { BoundSocket } from './sockets.js';
import { forget as forgetStats } from './stats.js';
import { createSink, type Sink } from './streams.js';

/** Delay before replacing a child that started draining on its own. */
const DRAIN_GRACE_MS = 200;

export type WatcherState = 'active' | 'stopped' | 'stopping' | 'flapping';

export class Watcher {
  state: WatcherState = 'stopped';
  readonly procs = new Set<Proc>();
  /** Unexpected exits so far. */
  restarts = 0;
  private desired: 'active' | 'stopped' = 'stopped';
  private readonly serial = new Serial();
  private readonly flapping: FlappingDetector;
  private stdout: Sink;
  private stderr: Sink;
  private retryTimer?: NodeJS.Timeout;
  private ageTimer?: NodeJS.Timeout;
  private manageQueued = false;
  /** Any child of this watcher has sent READY=1: reloads wait for it from then on. */
  private sawNotify = false;

  constructor(
    public config: WatcherConfig,
    private readonly socketsFor: (names: string[]) => BoundSocket[],
  ) {
    this.flapping = new FlappingDetector(config.flapping);
    this.stdout = createSink(config.stdout, process.stdout);
    this.stderr = createSink(config.stderr, process.stderr);
  }

  get name(): string {
    return this.config.name;
  }

  /** Processes that count toward numprocesses (not stopping, not draining). */
  get live(): Proc[] {
    return [...this.procs].filter((p) => p.state === 'starting' || p.state === 'running');
  }

  get pids(): number[] {
    return [...this.procs].map((p) => p.pid).filter(Boolean);
  }

  start(): Promise<void> {
    this.desired = 'active';
    clearTimeout(this.retryTimer);
    return this.serial.run(async () => {
      this.flapping.reset();
      this.state = 'active';
      await this.manage();
    });
  }

  stop(): Promise<void> {
    this.desired = 'stopped';
    clearTimeout(this.retryTimer);
    return this.serial.run(() => this.stopAll('stopped'));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Rolling replacement: new child, wait until ready, then stop one old child. */
  reload(): Promise<void> {
    return this.serial.run(async () => {
      if (this.state !== 'active') return this.manage();
      const old = this.live.sort((a, b) => a.startedAt - b.startedAt);
      for (const p of old) {
        if (this.desired !== 'active') break;
        await this.replace(p);
      }
      await this.manage();
    });
  }

  incr(n: number): Promise<number> {
    return this.setTarget(this.config.numprocesses + n);
  }

  decr(n: number): Promise<number> {
    return this.setTarget(Math.max(0, this.config.numprocesses - n));
  }

  setTarget(n: number): Promise<number> {
    if (this.config.singleton && n > 1) return Promise.reject(new CommandError('ESINGLETON', `watcher ${this.name} is a singleton (at most 1 process)`));
    if (n > MAX_PROCESSES) return Promise.reject(new CommandError('EBADVALUE', `watcher ${this.name}: ${n} processes is over the limit of ${MAX_PROCESSES}`));
    this.config.numprocesses = n;
    return this.serial.run(async () => {
      await this.manage();
      return this.config.numprocesses;
    });
  }

  /** Sends `sig` to one child (by pid) or all of them. */
  signal(sig: NodeJS.Signals, pid?: number): number[] {
    const targets = [...this.procs].filter((p) => pid === undefined || p.pid === pid);
    if (pid !== undefined && !targets.length) throw new CommandError('ENOPROCESS', `watcher ${this.name} has no process ${pid}`);
    targets.forEach((p) => p.signal(sig));
    return targets.map((p) => p.pid);
  }

  /** Applies a changed [watcher:] section (reloadconfig); the caller then reloads. */
  updateConfig(cfg: WatcherConfig): void {
    this.config = cfg;
    this.flapping.update(cfg.flapping);
    this.stdout.close();
    this.stderr.close();
    this.stdout = createSink(cfg.stdout, process.stdout);
    this.stderr = createSink(cfg.stderr, process.stderr);
    this.scheduleAge();
  }

  /** Re-reads max_age after `set`. */
  refreshAges(): void {
    for (const p of this.procs) p.expiresAt = this.expiry();
    this.scheduleAge();
  }

  close(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.ageTimer);
    this.stdout.close();
    this.stderr.close();
  }

  /** Spawns missing children (warmup_delay apart) and stops surplus ones (oldest first). */
  private async manage(): Promise<void> {
    if (this.state !== 'active' || this.desired !== 'active') return;
    const surplus = this.live.length - this.config.numprocesses;
    if (surplus > 0) {
      const oldest = this.live.sort((a, b) => a.startedAt - b.startedAt).slice(0, surplus);
      oldest.forEach((p) => void this.stopProc(p));
    }
    let missing = this.config.numprocesses - this.live.length;
    while (missing-- > 0 && this.state === 'active' && this.desired === 'active') {
      const p = this.spawn(this.freeWid());
      if (missing > 0 && this.config.warmupDelay > 0) await Promise.race([sleep(this.config.warmupDelay * 1000), p.exited]);
      if (p.alive && !this.waitsForNotify()) p.markRunning();
    }
  }

  private scheduleManage(): void {
    if (this.manageQueued) return;
    this.manageQueued = true;
    void this.serial.run(async () => {
      this.manageQueued = false;
      await this.manage();
    });
  }

  private async replace(old: Proc): Promise<boolean> {
    const fresh = this.spawn(old.alive ? old.spec.wid : this.freeWid());
    const ready = await this.waitReady(fresh);
    if (!ready) {
      const why = fresh.alive ? `did not report READY=1 within ready_timeout = ${this.config.readyTimeout}s` : `exited (${describeExit(fresh.exit!)}) before it was ready`;
      await this.stopProc(fresh);
      throw new CommandError('ENOTREADY', `watcher ${this.name}: new process ${fresh.pid} ${why}; kept the old process ${old.pid}`);
    }
    if (old.alive) await this.stopProc(old);
    return true;
  }

  /** notify = auto: circus-worker is known to send READY=1; other commands once they have sent it. */
  private waitsForNotify(): boolean {
    if (this.config.notify !== 'auto') return this.config.notify === 'yes';
    return this.sawNotify || /(^|[\s/])circus-worker(\s|$)|worker\/cli\.js(\s|$)/.test(this.config.cmd);
  }

  private async waitReady(p: Proc): Promise<boolean> {
    if (!this.waitsForNotify()) {
      await Promise.race([sleep(this.config.warmupDelay * 1000), p.exited]);
      if (p.alive) p.markRunning();
      return p.alive;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.config.readyTimeout * 1000)));
    const ok = await Promise.race([p.ready, timeout]);
    clearTimeout(timer);
    return ok && p.alive;
  }

  private spawn(wid: number): Proc {
    const p = new Proc({ config: this.config, wid, sockets: this.socketsFor(this.config.sockets), stdout: this.stdout, stderr: this.stderr });
    this.procs.add(p);
    p.expiresAt = this.expiry();
    p.onDraining = () => {
      // The child drains on its own (max-requests): start its replacement. A short grace first,
      // because a Ctrl-C reaches the children and the supervisor together and the supervisor's
      // own stop may not have been handled yet.
      setTimeout(() => {
        if (this.desired !== 'active' || !this.config.respawn) return;
        log.info(`${this.name}: process ${p.pid} is draining; starting a replacement`);
        this.scheduleManage();
      }, DRAIN_GRACE_MS);
    };
    void p.ready.then((ok) => {
      if (ok) this.sawNotify = true;
    });
    void p.exited.then((info) => this.onExit(p, info));
    if (p.pid) log.info(`${this.name}: spawned process ${p.pid} (wid ${wid}): ${p.argv.join(' ')}`);
    if (this.waitsForNotify()) {
      const t = setTimeout(() => {
        if (p.alive && p.state === 'starting') log.warn(`${this.name}: process ${p.pid} has not reported READY=1 after ready_timeout = ${this.config.readyTimeout}s`);
      }, this.config.readyTimeout * 1000);
      void p.exited.then(() => clearTimeout(t));
      void p.ready.then(() => clearTimeout(t));
    }
    this.scheduleAge();
    return p;
  }

  private onExit(p: Proc, info: ExitInfo): void {
    this.procs.delete(p);
    forgetStats(p.pid);
    const how = describeExit(info);
    if (p.stopRequested) {
      log.info(`${this.name}: process ${p.pid} exited (${how})`);
      return;
    }
    if (p.draining && info.code === 0) {
      // It drained on its own and said so: a planned exit, replaced but not counted as a crash.
      log.info(`${this.name}: process ${p.pid} exited after draining (${how})`);
      if (this.config.respawn && this.state === 'active') this.scheduleManage();
      return;
    }
    this.restarts++;
    log.warn(`${this.name}: process ${p.pid || '(not started)'} (wid ${p.spec.wid}) ${info.error ? `failed to start: ${info.error}` : `exited unexpectedly (${how})`}`);
    if (this.state !== 'active') return;
    const verdict = this.flapping.exitAt(Date.now());
    if (verdict === 'retry') {
      const f = this.config.flapping;
      log.warn(`${this.name}: flapping (${f.attempts} exits within ${f.window}s), round ${this.flapping.tries}/${f.maxRetry === -1 ? '∞' : f.maxRetry}; retrying in ${f.retryIn}s`);
      void this.serial.run(() => this.stopAll('flapping'));
      this.retryTimer = setTimeout(() => {
        if (this.desired !== 'active' || this.state !== 'flapping') return;
        void this.serial.run(async () => {
          this.state = 'active';
          await this.manage();
        });
      }, f.retryIn * 1000);
      return;
    }
    if (verdict === 'give-up') {
      log.error(`${this.name}: still flapping after ${this.config.flapping.maxRetry} retries; watcher stopped (circus-ctl start ${this.name} to try again)`);
      this.desired = 'stopped';
      void this.serial.run(() => this.stopAll('stopped'));
      return;
    }
    if (this.config.respawn) this.scheduleManage();
  }

  private async stopAll(final: WatcherState): Promise<void> {
    this.state = 'stopping';
    await Promise.all([...this.procs].map((p) => this.stopProc(p)));
    this.state = final;
  }

  private stopProc(p: Proc): Promise<ExitInfo> {
    return p.stop(this.config.stopSignal, this.config.gracefulTimeout);
  }

  private freeWid(): number {
    const used = new Set(this.live.map((p) => p.spec.wid));
    let wid = 1;
    while (used.has(wid)) wid++;
    return wid;
  }

  private expiry(): number | undefined {
    const { maxAge, maxAgeVariance } = this.config;
    return maxAge > 0 ? Date.now() + (maxAge + Math.random() * maxAgeVariance) * 1000 : undefined;
  }

  /** One timer for the earliest max_age expiry; recycling happens one process at a time. */
  private scheduleAge(): void {
    clearTimeout(this.ageTimer);
    const next = Math.min(...this.live.map((p) => p.expiresAt ?? Infinity));
    if (!Number.isFinite(next)) return;
    this.ageTimer = setTimeout(() => this.recycleExpired(), Math.max(0, next - Date.now()));
  }

  private recycleExpired(): void {
    void this.serial.run(async () => {
      const due = this.live.filter((p) => (p.expiresAt ?? Infinity) <= Date.now()).sort((a, b) => a.startedAt - b.startedAt)[0];
      if (due && this.state === 'active' && this.desired === 'active') {
        log.info(`${this.name}: process ${due.pid} reached max_age; replacing it`);
        try {
          await this.replace(due);
        } catch (err) {
          log.warn((err as Error).message);
          due.expiresAt = this.expiry();
        }
      }
      this.scheduleAge();
    });
  }
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return info.error;
  return info.signal ? `signal ${info.signal}` : `code ${info.code}`;
}
