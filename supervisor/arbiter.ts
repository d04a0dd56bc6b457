// Owns the sockets and the watchers. Every operation (control commands, signals, reloadconfig,
// stop) runs on one queue, one at a time; a stop also tells every watcher at once, so work under
// way ends at its next step, and whatever the queue still holds refuses to run.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from './config/load-config.js';
import type { CircusConfig, WatcherConfig } from './config/types.js';
import { CommandError, EXIT } from './errors.js';
import { log } from './log.js';
import type { Settings } from './config/options.js';
import { applyReload, planReload } from './reload-config.js';
import { Serial } from './serial.js';
import { SocketRegistry } from './sockets/registry.js';
import type { SupervisorStats } from './answers.js';
import type { CpuBaseline } from './run/stats.js';
import { Watcher } from './run/watcher.js';
import type { Intent } from './signals.js';
import { notify } from '../sys/notify.js';

export class Arbiter {
  readonly sockets = new SocketRegistry();
  readonly watchers = new Map<string, Watcher>();
  readonly startedAt = Date.now();
  private readonly queue = new Serial();
  /** True from the first moment of a stop, stop_delay included (health answers 503). */
  stopping = false;
  private resolveDone!: (code: number) => void;
  /** Resolves with the process exit code once everything has stopped. */
  readonly done = new Promise<number>((r) => (this.resolveDone = r));
  /** Called after stop, before `done` resolves (closes the control endpoint). */
  onStopped?: () => Promise<void> | void;

  /**
   * `config` is the file as last applied, or one built in memory (then `file` is undefined and
   * reloadconfig refuses); what changed since at run time lives in the watchers.
   */
  constructor(public config: CircusConfig) {}

  /** Binds every socket (all or none), then starts autostart watchers by priority. */
  start(): Promise<void> {
    return this.run(async () => {
      await this.sockets.bindAll(this.config.sockets.values());
      for (const cfg of this.config.watchers.values()) this.watchers.set(cfg.name, this.newWatcher(cfg));
      if (this.config.pidfile) fs.writeFileSync(this.config.pidfile, `${process.pid}\n`);
      for (const w of this.ordered()) if (w.config.autostart) await w.start();
    });
  }

  /** Watchers from highest to lowest priority (Circus's order for whole-arbiter operations). */
  ordered(): Watcher[] {
    return [...this.watchers.values()].sort((a, b) => b.config.priority - a.config.priority);
  }

  watcher(name: string): Watcher {
    const w = this.watchers.get(name);
    if (!w) throw new CommandError('ENOWATCHER', `no watcher named "${name}" (watchers: ${[...this.watchers.keys()].join(', ') || 'none'})`);
    return w;
  }

  /** Entry point for signal handlers: they only record the intent; work happens here, later. */
  enqueue(intent: Intent): void {
    setImmediate(() => {
      if (intent === 'kill') return this.kill();
      if (intent === 'stop') return void this.stop();
      if (intent === 'reload') void this.reload().catch((err) => log.error(`reload: ${(err as Error).message}`));
    });
  }

  /** Queues `op`; refused once the supervisor is stopping, also when its turn comes after that. */
  run<T>(op: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(stoppingError());
    return this.queue.run(() => (this.stopping ? Promise.reject(stoppingError()) : op()));
  }

  reload(name?: string): Promise<void> {
    return this.run(async () => {
      log.info(`reloading ${name ?? 'all watchers'}`);
      for (const w of this.targets(name)) await w.reload();
      log.info(`reloaded ${name ?? 'all watchers'}`);
    });
  }

  startWatchers(name?: string): Promise<void> {
    return this.run(async () => {
      for (const w of this.targets(name)) await w.start();
    });
  }

  stopWatchers(name?: string): Promise<void> {
    return this.run(async () => void (await Promise.all(this.targets(name).map((w) => w.stop()))));
  }

  restartWatchers(name?: string): Promise<void> {
    return this.run(async () => {
      for (const w of this.targets(name)) await w.restart();
    });
  }

  /** incr (positive) or decr (negative); answers the new target. */
  resize(name: string, by: number): Promise<number> {
    return this.run(() => {
      const w = this.watcher(name);
      return w.setTarget(Math.max(0, w.settings.numprocesses + by));
    });
  }

  /** `circus-ctl set`, with values already parsed. */
  setOptions(name: string, values: [keyof Settings, Settings[keyof Settings]][]): Promise<void> {
    return this.run(async () => {
      const w = this.watcher(name);
      for (const [key, value] of values) await w.set(key, value);
    });
  }

  /** Re-reads the INI; a broken file leaves everything as it is and says why. */
  reloadConfig(): Promise<string[]> {
    return this.run(async () => {
      const file = this.config.file;
      if (file === undefined) throw new CommandError('ENOCONFIGFILE', 'this supervisor was started without a configuration file (one-command mode): there is nothing to re-read; change it with incr, decr or set, or restart it');
      const next = loadConfig(file);
      next.warnings.forEach((w) => log.warn(w));
      const changes = await applyReload(planReload(this.config, next), this);
      changes.forEach((c) => log.info(`reloadconfig: ${c}`));
      return changes;
    });
  }

  /** The supervisor's own figures (`circus-ctl dstats`); CPU since `cpu`'s previous sample. */
  stats(cpu: CpuBaseline): SupervisorStats {
    return { ...cpu.procStats(process.pid), children: [...this.watchers.values()].reduce((t, w) => t + w.procs.size, 0), uptime: (Date.now() - this.startedAt) / 1000 };
  }

  /** Graceful stop of everything, then the sockets; resolves `done` with `code`. */
  async stop(code: number = EXIT.OK): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    notify('STOPPING=1');
    // Lame duck first: /health answers 503 from now on (stopping) and the workers are told, so
    // their --health-path does too, while every one of them keeps serving for stop_delay.
    for (const w of this.watchers.values()) w.lameDuck();
    if (this.config.stopDelay > 0) {
      log.info(`stop_delay: health answers 503 for ${this.config.stopDelay} s while the workers keep serving, then stopping`);
      await sleep(this.config.stopDelay * 1000);
    }
    log.info('stopping all watchers');
    // At once, so a reload or start under way ends at its next step instead of running to the end.
    for (const w of this.watchers.values()) void w.stop();
    // On the queue, after the operation under way: it may have added watchers.
    await this.queue.run(async () => void (await Promise.all([...this.watchers.values()].map((w) => w.stop()))));
    this.finish(code);
  }

  /** Second signal: SIGKILL every child now. */
  kill(): void {
    log.warn('second stop signal: killing all processes');
    this.stopping = true;
    void Promise.all([...this.watchers.values()].map((w) => w.kill())).then(() => this.finish(EXIT.FORCED));
  }

  private finished = false;
  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    for (const w of this.watchers.values()) w.close();
    this.sockets.closeAll();
    if (this.config.pidfile) fs.rmSync(this.config.pidfile, { force: true });
    void Promise.resolve(this.onStopped?.()).finally(() => this.resolveDone(code));
  }

  private targets(name?: string): Watcher[] {
    return name ? [this.watcher(name)] : this.ordered();
  }

  newWatcher(cfg: WatcherConfig): Watcher {
    const sockets = this.sockets;
    return new Watcher(cfg, {
      forChild: (names, watcher, wid) =>
        names.map((n) => {
          const s = sockets.forChild(n, watcher, wid);
          if (!s) throw new CommandError('ENOSOCKET', `socket ${n} is not bound`);
          return s;
        }),
      perWorker: (names) => names.some((n) => sockets.perWorker(n)),
      release: (watcher, wid) => sockets.release(watcher, wid),
    });
  }
}

function stoppingError(): CommandError {
  return new CommandError('ESTOPPING', 'the supervisor is shutting down');
}
