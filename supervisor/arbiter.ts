// Owns the sockets and the watchers. Signals and control commands become operations run one at
// a time on a single queue, so a reload never races a stop.
import fs from 'node:fs';
import { loadConfig } from './config.js';
import type { CircusConfig, SocketConfig } from './config-types.js';
import { diffConfigs, sameAddress } from './config-diff.js';
import { CommandError, EXIT } from './errors.js';
import { log } from './log.js';
import { Serial } from './serial.js';
import { bindSocket, closeSocket, SocketRegistry, type BoundSocket } from './sockets.js';
import { Watcher } from './watcher.js';
import { notify } from '../sys/notify.js';

export type Intent = 'stop' | 'reload' | 'kill';

export class Arbiter {
  readonly sockets = new SocketRegistry();
  readonly watchers = new Map<string, Watcher>();
  readonly startedAt = Date.now();
  private readonly serial = new Serial();
  private stopping = false;
  private resolveDone!: (code: number) => void;
  /** Resolves with the process exit code once everything has stopped. */
  readonly done = new Promise<number>((r) => (this.resolveDone = r));
  /** Called after stop, before `done` resolves (closes the control endpoint). */
  onStopped?: () => Promise<void> | void;

  constructor(public config: CircusConfig) {}

  /** Binds every socket (all or none), then starts autostart watchers by priority. */
  async start(): Promise<void> {
    await this.sockets.bindAll(this.config.sockets.values());
    for (const cfg of this.config.watchers.values()) this.watchers.set(cfg.name, this.newWatcher(cfg));
    if (this.config.pidfile) fs.writeFileSync(this.config.pidfile, `${process.pid}\n`);
    for (const w of this.ordered()) if (w.config.autostart) await w.start();
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

  run<T>(op: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(new CommandError('ESTOPPING', 'the supervisor is shutting down'));
    return this.serial.run(op);
  }

  reload(name?: string): Promise<void> {
    return this.run(async () => {
      log.info(`reloading ${name ?? 'all watchers'}`);
      const targets = name ? [this.watcher(name)] : this.ordered();
      for (const w of targets) await w.reload();
      log.info(`reloaded ${name ?? 'all watchers'}`);
    });
  }

  /** Graceful stop of everything, then the sockets; resolves `done` with 0. */
  async stop(code: number = EXIT.OK): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    notify('STOPPING=1');
    log.info('stopping all watchers');
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.finish(code);
  }

  /** Second signal: SIGKILL every child now. */
  kill(): void {
    log.warn('second stop signal: killing all processes');
    this.stopping = true;
    for (const w of this.watchers.values()) for (const p of w.procs) p.kill();
    void Promise.all([...this.watchers.values()].flatMap((w) => [...w.procs].map((p) => p.exited))).then(() => this.finish(EXIT.FORCED));
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

  /** Re-reads the INI; a broken file leaves everything as it is and says why. */
  reloadConfig(): Promise<string[]> {
    return this.run(async () => {
      const next = loadConfig(this.config.file);
      next.warnings.forEach((w) => log.warn(w));
      const d = diffConfigs(this.config, next);
      const changes: string[] = [];
      if (next.endpoint.url !== this.config.endpoint.url) changes.push(`endpoint change to ${next.endpoint.url} needs a supervisor restart (ignored)`);
      // 1. Bind new sockets first, so a bind failure changes nothing.
      const moved = d.socketsChanged.filter((s) => !sameAddress(this.config.sockets.get(s.name)!, s));
      const inPlace = d.socketsChanged.filter((s) => sameAddress(this.config.sockets.get(s.name)!, s));
      const fresh = new Map<string, BoundSocket>();
      try {
        for (const s of [...d.socketsAdded, ...moved]) fresh.set(s.name, await bindSocket(s));
      } catch (err) {
        fresh.forEach(closeSocket);
        throw err;
      }
      // 2. Watchers that go away stop before their sockets close.
      for (const name of d.watchersRemoved) {
        await this.watchers.get(name)!.stop();
        this.watchers.get(name)!.close();
        this.watchers.delete(name);
        changes.push(`removed watcher ${name}`);
      }
      // 3. A socket changed in place (same address) cannot be bound twice: stop its users first.
      const restart = new Set<Watcher>();
      for (const s of inPlace) {
        for (const w of this.watchers.values()) if (w.config.sockets.includes(s.name) && w.state !== 'stopped') {
          await w.stop();
          restart.add(w);
        }
        fresh.set(s.name, await this.rebindInPlace(s));
      }
      const retired: BoundSocket[] = [];
      for (const [name, s] of fresh) {
        const old = this.sockets.sockets.get(name);
        if (old && !inPlace.some((x) => x.name === name)) retired.push(old);
        this.sockets.sockets.set(name, s);
        changes.push(`${old ? 'rebound' : 'bound'} socket ${name} on ${s.label}`);
      }
      for (const w of d.watchersChanged) {
        const watcher = this.watchers.get(w.name)!;
        watcher.updateConfig(w);
        if (restart.has(watcher)) await watcher.start();
        else if (watcher.state === 'active') await watcher.reload();
        changes.push(`reloaded watcher ${w.name}`);
      }
      for (const w of d.watchersResized) {
        await this.watchers.get(w.name)!.setTarget(w.numprocesses);
        changes.push(`watcher ${w.name} now runs ${w.numprocesses} processes`);
      }
      for (const w of d.watchersAdded) {
        const watcher = this.newWatcher(w);
        this.watchers.set(w.name, watcher);
        if (w.autostart) await watcher.start();
        changes.push(`added watcher ${w.name}`);
      }
      for (const name of d.socketsRemoved) {
        retired.push(this.sockets.sockets.get(name)!);
        this.sockets.sockets.delete(name);
        changes.push(`closed socket ${name}`);
      }
      retired.forEach(closeSocket);
      for (const w of this.watchers.values()) if (!d.watchersChanged.some((c) => c.name === w.name)) {
        const cfg = next.watchers.get(w.name);
        if (cfg) Object.assign(cfg, { numprocesses: w.config.numprocesses });
        if (cfg) w.config = cfg;
      }
      this.config = next;
      changes.forEach((c) => log.info(`reloadconfig: ${c}`));
      return changes;
    });
  }

  private async rebindInPlace(cfg: SocketConfig): Promise<BoundSocket> {
    const old = this.sockets.sockets.get(cfg.name)!;
    closeSocket(old);
    try {
      return await bindSocket(cfg);
    } catch (err) {
      log.error(`reloadconfig: ${(err as Error).message}; restoring the previous socket`);
      return bindSocket(old.config);
    }
  }

  private newWatcher(cfg: CircusConfig['watchers'] extends Map<string, infer W> ? W : never): Watcher {
    return new Watcher(cfg, (names) =>
      names.map((n) => {
        const s = this.sockets.get(n);
        if (!s) throw new CommandError('ENOSOCKET', `socket ${n} is not bound`);
        return s;
      }),
    );
  }
}
