// One [watcher:NAME]: keeps its target number of children running, respawns exits at once,
// replaces children one at a time (reload, max_age: run/rolling-reload.ts) only after the new one
// is ready, and applies the flapping rule. The parsed section stays as it was read; what can change at run time (the
// target count, `set` values, flapping state) lives here. Requests only record what is wanted and
// wake the reconcile loop, the one place that starts and stops processes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessStats } from '../answers.js';
import type { WatcherConfig } from '../config/types.js';
import { CommandError } from '../errors.js';
import { FlappingGuard } from './flapping.js';
import { log } from '../log.js';
import { MAX_PROCESSES, settingsOf, type Settings } from '../config/options.js';
import { MaxAge } from './max-age.js';
import { describeExit, Proc, type ExitInfo } from './process.js';
import { RollingReload } from './rolling-reload.js';
import { Readiness, runsCircusWorker } from './readiness.js';
import { Reconciler } from './reconciler.js';
import type { SocketSource } from '../sockets/worker-sockets.js';
import type { CpuBaseline } from './stats.js';
import { WatcherMetrics } from './watcher-metrics.js';
import { createSink, type Sink } from './streams.js';
import { heartbeatEvery, Watchdog } from './watchdog.js';

/** Delay before replacing a child that started draining on its own. */
const DRAIN_GRACE_MS = 200;

export type WatcherState = 'active' | 'stopped' | 'stopping' | 'flapping';

export class Watcher {
  state: WatcherState = 'stopped';
  readonly procs = new Set<Proc>();
  /** Unexpected exits so far. */
  restarts = 0;
  /** The running values of the options `set` may change (numprocesses is the target count). */
  settings: Settings;
  /** Request counters across process lives, for /metrics and circus-ctl top. */
  readonly metrics = new WatcherMetrics();
  private desired: 'active' | 'stopped' = 'stopped';
  private readonly flapping: FlappingGuard;
  private readonly loop: Reconciler;
  private readonly rolling: RollingReload;
  private stdout: Sink;
  private stderr: Sink;
  private readonly readiness = new Readiness();
  private readonly ages: MaxAge;
  private readonly watchdog: Watchdog;
  private lame = false;

  constructor(
    public config: WatcherConfig,
    private readonly sockets: SocketSource,
  ) {
    this.settings = settingsOf(config);
    this.stdout = createSink(config.stdout, process.stdout);
    this.stderr = createSink(config.stderr, process.stderr);
    this.loop = new Reconciler(() => this.reconcile(), (err) => log.error(`${this.name}: ${err.message}`));
    this.flapping = new FlappingGuard(config.name, config.flapping, () => this.loop.wake(), log.warn);
    this.ages = new MaxAge(() => this.loop.wake());
    this.watchdog = new Watchdog(config.name, () => this.procs, () => runsCircusWorker(this.config.cmd));
    this.watchdog.arm(this.settings.timeout);
    this.rolling = new RollingReload(config.name, {
      live: () => this.live,
      running: () => this.active,
      settings: () => this.settings,
      spawn: (wid) => this.spawn(wid),
      ready: (p) => this.readiness.wait(p, this.config, this.settings),
      stop: (p) => this.stopProc(p),
      freeWid: () => this.freeWid(),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** Processes that count toward the target (not stopping, not draining). */
  get live(): Proc[] {
    return [...this.procs].filter((p) => p.state === 'starting' || p.state === 'running');
  }

  get pids(): number[] {
    return [...this.procs].map((p) => p.pid).filter(Boolean);
  }

  start(): Promise<void> {
    this.desired = 'active';
    this.flapping.reset();
    return this.loop.settle();
  }

  stop(): Promise<void> {
    this.desired = 'stopped';
    this.flapping.close();
    return this.loop.settle();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Rolling replacement of every process: new child, wait until ready, then stop one old child. */
  reload(): Promise<void> {
    const done = this.rolling.request();
    this.loop.wake();
    return done;
  }

  async setTarget(n: number): Promise<number> {
    if (this.config.singleton && n > 1) throw new CommandError('ESINGLETON', `watcher ${this.name} is a singleton (at most 1 process)`);
    if (n > MAX_PROCESSES) throw new CommandError('EBADVALUE', `watcher ${this.name}: ${n} processes is over the limit of ${MAX_PROCESSES}`);
    this.settings.numprocesses = n;
    await this.loop.settle();
    return this.settings.numprocesses;
  }

  /** `circus-ctl set`: changes one running setting. */
  async set<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
    if (key === 'numprocesses') return void (await this.setTarget(value as number));
    this.settings[key] = value;
    if (key === 'timeout') this.watchdog.arm(this.settings.timeout);
    if (key === 'maxAge' || key === 'maxAgeVariance') {
      for (const p of this.procs) p.expiresAt = this.ages.deadline(this.settings);
      this.ages.schedule(this.live);
    }
  }

  /** Sends `sig` to one child (by pid) or all of them. */
  signal(sig: NodeJS.Signals, pid?: number): number[] {
    const targets = [...this.procs].filter((p) => pid === undefined || p.pid === pid);
    if (pid !== undefined && !targets.length) throw new CommandError('ENOPROCESS', `watcher ${this.name} has no process ${pid}`);
    targets.forEach((p) => p.signal(sig));
    return targets.map((p) => p.pid);
  }

  /** Second stop signal: SIGKILL every child now; resolves when they are gone. */
  kill(): Promise<unknown> {
    this.desired = 'stopped';
    for (const p of this.procs) p.kill();
    return Promise.all([...this.procs].map((p) => p.exited));
  }

  /** A changed [watcher:] section (reloadconfig): its values replace the running ones; the caller then reloads. */
  updateConfig(cfg: WatcherConfig): void {
    this.config = cfg;
    this.settings = settingsOf(cfg);
    this.flapping.update(cfg.flapping);
    this.watchdog.arm(this.settings.timeout);
    this.stdout.close();
    this.stderr.close();
    this.stdout = createSink(cfg.stdout, process.stdout);
    this.stderr = createSink(cfg.stderr, process.stderr);
    this.ages.schedule(this.live);
  }

  /** pid → CPU (since `cpu`'s previous sample), memory, age, wid and state of each process (`circus-ctl stats`). */
  stats(cpu: CpuBaseline): Record<string, ProcessStats> {
    return Object.fromEntries([...this.procs].map((p) => [p.pid, cpu.processStats(p)]).filter(([, s]) => s));
  }

  /** The supervisor is stopping (stop_delay): LAMEDUCK=1 to every process, now and as spawned. */
  lameDuck(): void {
    this.lame = true;
    this.procs.forEach((p) => p.tell('LAMEDUCK=1'));
  }

  close(): void {
    this.flapping.close();
    this.ages.close();
    this.watchdog.close();
    this.stdout.close();
    this.stderr.close();
  }

  private get active(): boolean {
    return this.desired === 'active' && !this.flapping.paused;
  }

  /** One pass: stop everything, or run pending replacements, then spawn/stop to the target. */
  private async reconcile(): Promise<void> {
    if (!this.active) {
      if (this.procs.size) {
        this.state = 'stopping';
        await Promise.all([...this.procs].map((p) => this.stopProc(p)));
      }
      this.state = this.desired === 'stopped' ? 'stopped' : 'flapping';
      // A watcher that is not running has nothing to reload.
      this.rolling.cancel();
      return;
    }
    this.state = 'active';
    await this.rolling.run();
    await this.rolling.replaceExpired(this.ages);
    await this.manage();
  }

  /** Spawns missing children (warmup_delay apart) and stops surplus ones (oldest first). */
  private async manage(): Promise<void> {
    const surplus = this.live.length - this.settings.numprocesses;
    if (surplus > 0) {
      // With a socket per slot the slots stay 1..n: the highest go. Otherwise the oldest, as Circus.
      const perWorker = this.sockets.perWorker(this.config.sockets);
      const order = perWorker ? (a: Proc, b: Proc) => b.spec.wid - a.spec.wid : (a: Proc, b: Proc) => a.startedAt - b.startedAt;
      for (const p of this.live.sort(order).slice(0, surplus)) {
        // Our copy closes now: the socket goes when the draining worker closes its own. After the
        // drain, it kept listening unserved (82 of 1,932 requests reset without tcp_migrate_req).
        if (perWorker) this.sockets.release(this.name, p.spec.wid);
        void this.stopProc(p);
      }
    }
    let missing = this.settings.numprocesses - this.live.length;
    while (missing-- > 0 && this.active) {
      const p = this.spawn(this.freeWid());
      if (missing > 0 && this.settings.warmupDelay > 0) await Promise.race([sleep(this.settings.warmupDelay * 1000), p.exited]);
      if (p.alive && !this.readiness.expected(this.config)) p.markRunning();
    }
  }

  private spawn(wid: number): Proc {
    const heartbeatMs = this.settings.timeout > 0 ? heartbeatEvery(this.settings.timeout) : undefined;
    const p = new Proc({ config: this.config, wid, sockets: this.sockets.forChild(this.config.sockets, this.name, wid), stdout: this.stdout, stderr: this.stderr, heartbeatMs, lameDuck: this.lame });
    this.procs.add(p);
    this.metrics.add(p);
    p.expiresAt = this.ages.deadline(this.settings);
    p.onDraining = () => {
      // The child drains on its own (max-requests): start its replacement. A short grace first,
      // because a Ctrl-C reaches the children and the supervisor together and the supervisor's
      // own stop may not have been handled yet.
      setTimeout(() => {
        if (this.desired !== 'active' || !this.settings.respawn) return;
        log.info(`${this.name}: process ${p.pid} is draining; starting a replacement`);
        this.loop.wake();
      }, DRAIN_GRACE_MS);
    };
    void p.exited.then((info) => this.onExit(p, info));
    if (p.pid) log.info(`${this.name}: spawned process ${p.pid} (wid ${wid}): ${p.argv.join(' ')}`);
    this.readiness.watch(p, this.config, this.settings);
    this.ages.schedule(this.live);
    return p;
  }

  private onExit(p: Proc, info: ExitInfo): void {
    this.procs.delete(p);
    const how = describeExit(info);
    if (p.stopRequested) {
      log.info(`${this.name}: process ${p.pid} exited (${how})`);
      return;
    }
    if (p.draining && info.code === 0) {
      // It drained on its own and said so: a planned exit, replaced but not counted as a crash.
      log.info(`${this.name}: process ${p.pid} exited after draining (${how})`);
      if (this.settings.respawn && this.state === 'active') this.loop.wake();
      return;
    }
    if (p.candidate) {
      // Counting it for flapping would pause the watcher and stop the old processes it was to spare.
      log.info(`${this.name}: new process ${p.pid} exited (${how}) before it was ready; the old processes keep serving`);
      return;
    }
    this.restarts++;
    log.warn(`${this.name}: process ${p.pid || '(not started)'} (wid ${p.spec.wid}) ${info.error ? `failed to start: ${info.error}` : `exited unexpectedly (${how})`}`);
    if (this.state !== 'active') return;
    const verdict = this.flapping.exit();
    if (verdict === 'retry') return this.loop.wake();
    if (verdict === 'give-up') {
      log.error(`${this.name}: still flapping after ${this.config.flapping.maxRetry} retries; watcher stopped (circus-ctl start ${this.name} to try again)`);
      this.desired = 'stopped';
      this.loop.wake();
      return;
    }
    if (this.settings.respawn) this.loop.wake();
  }

  private stopProc(p: Proc): Promise<ExitInfo> {
    return p.stop(this.settings.stopSignal, this.settings.gracefulTimeout);
  }

  private freeWid(): number {
    const used = new Set(this.live.map((p) => p.spec.wid));
    let wid = 1;
    while (used.has(wid)) wid++;
    return wid;
  }
}
