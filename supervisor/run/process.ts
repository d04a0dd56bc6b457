// One child of a watcher: builds its argv/env with the circus variables, spawns it with the
// watcher's sockets mapped to child fds 3, 4, … and a readiness pipe after them, and tracks
// READY=1 / STOPPING=1 lines and METRICS= reports on that pipe. The pipe is a Unix socketpair
// (node's spawn 'pipe'), so the supervisor also writes lines down it: LAMEDUCK=1 when it starts stopping.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { WatcherConfig } from '../config/types.js';
import { log } from '../log.js';
import { resolveCommand } from './resolve-command.js';
import type { ChildSocket } from '../sockets/worker-sockets.js';
import type { Sink } from './streams.js';
import { splitCommand, substitute } from '../config/substitute.js';
import { WorkerReports } from './worker-reports.js';
import { LAMEDUCK, LineReader, MAX_LINE_BYTES, parseWorkerLine, type SupervisorMessage } from '../../sys/notify-protocol.js';

export type ProcState = 'starting' | 'running' | 'stopping' | 'exited';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

export interface SpawnSpec {
  config: WatcherConfig;
  wid: number;
  sockets: ChildSocket[];
  stdout: Sink;
  stderr: Sink;
  /** CIRCUS_HEARTBEAT_MS for the child: how often circus-worker should send its heartbeat. */
  heartbeatMs?: number;
  /** Spawned while the supervisor is stopping: told LAMEDUCK=1 at once. */
  lameDuck?: boolean;
}

const FIRST_SOCKET_FD = 3;

export class Proc {
  readonly startedAt = Date.now();
  state: ProcState = 'starting';
  /** Set once the child has sent READY=1 (it speaks the readiness protocol). */
  notified = false;
  /** True when the supervisor asked it to stop (so its exit is not a crash). */
  stopRequested = false;
  /** The child announced STOPPING=1 (draining on its own or on our signal). */
  draining = false;
  exit?: ExitInfo;
  /** The last STATUS= line (the --workers parent reads its workers' start line from it). */
  status?: string;
  /** When READY=1 arrived: the watchdog's clock starts there. */
  readyAt?: number;
  /** The last heartbeat (WATCHDOG=1 on the pipe) and the event-loop delay it reported, ms. */
  heartbeat?: { at: number; loopDelayMs: number; loopDelayMaxMs: number };
  /** A replacement's new process until it is ready: its exit fails the replacement, it is no crash. */
  candidate = false;
  /** SIGKILLed by the watchdog (its exit is a crash, not a stop). */
  killedByWatchdog = false;
  /** Its latest METRICS= report (circus-worker sends one every second). */
  readonly reports = new WorkerReports();
  /** Set when this process should be recycled (max_age). */
  expiresAt?: number;
  readonly exited: Promise<ExitInfo>;
  readonly ready: Promise<boolean>;
  readonly child: ChildProcess;
  readonly argv: string[];
  /** Socket name → fd number in the child. */
  readonly fdMap: Map<string, number>;
  private readyResolve!: (v: boolean) => void;
  private readonly channel: Writable | null;
  private killTimer?: NodeJS.Timeout;
  onDraining?: () => void;

  constructor(readonly spec: SpawnSpec) {
    const { config, wid, sockets } = spec;
    this.fdMap = new Map(sockets.map((s, i) => [s.name, FIRST_SOCKET_FD + i]));
    const notifyFd = FIRST_SOCKET_FD + sockets.length;
    const env = childEnv(config, wid, this.fdMap, notifyFd);
    if (spec.heartbeatMs) env.CIRCUS_HEARTBEAT_MS = String(spec.heartbeatMs);
    const vars = { sockets: this.fdMap, wid, env: { ...process.env, ...env } };
    const line = substitute([config.cmd, config.args].filter(Boolean).join(' '), vars);
    const cwd = config.workingDir ?? process.cwd();
    const argv = config.shell ? ['/bin/sh', '-c', line] : resolveCommand(splitCommand(line), env.PATH ?? process.env.PATH, cwd) ?? splitCommand(line);
    this.argv = argv;
    const stdio: StdioOptions = [config.closeStdin ? 'ignore' : 'inherit', spec.stdout.stdio, spec.stderr.stdio, ...sockets.map((s) => s.fd), 'pipe'];
    this.ready = new Promise((r) => (this.readyResolve = r));
    this.child = spawn(argv[0], argv.slice(1), { cwd, env, stdio, uid: config.uid, gid: config.gid });
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exit) return;
        this.exit = info;
        this.state = 'exited';
        clearTimeout(this.killTimer);
        this.readyResolve(false);
        this.reports.exited();
        resolve(info);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      this.child.once('error', (err) => {
        // spawn failures (ENOENT, EACCES) come here without an exit event.
        if (this.child.pid === undefined) done({ code: null, signal: null, error: err.message });
        else log.warn(`${config.name}: process ${this.child.pid}: ${err.message}`);
      });
    });
    spec.stdout.attach(this.child.stdout, this.pid);
    spec.stderr.attach(this.child.stderr, this.pid);
    this.channel = this.child.stdio[notifyFd] as Writable | null;
    this.listen(this.child.stdio[notifyFd] as Readable | null);
    if (spec.lameDuck) this.tell(LAMEDUCK);
  }

  /**
   * One line down the notify channel. circus-worker reads it (LAMEDUCK=1: fail health checks,
   * keep serving); a child that never reads loses nothing (the line sits in the socket buffer).
   */
  tell(msg: SupervisorMessage): void {
    if (this.alive && this.channel?.writable) this.channel.write(`${msg}\n`);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  private listen(channel: Readable | null): void {
    if (!channel) return this.reports.closed();
    const lines = new LineReader(
      (line) => this.onNotify(line),
      (bytes) => log.warn(`${this.spec.config.name}: process ${this.pid} wrote a line of over ${MAX_LINE_BYTES} bytes (${bytes} so far) on its notify pipe (CIRCUS_NOTIFY_FD); dropped`),
    );
    channel.on('error', () => {});
    channel.on('close', () => this.reports.closed());
    channel.on('data', (d: Buffer) => lines.push(d));
  }

  private onNotify(line: string): void {
    const msg = parseWorkerLine(line);
    if (msg?.kind === 'ready') {
      this.notified = true;
      this.readyAt = Date.now();
      if (this.state === 'starting') this.state = 'running';
      this.readyResolve(true);
    } else if (msg?.kind === 'stopping') {
      this.draining = true;
      if (this.state !== 'exited' && this.state !== 'stopping') {
        this.state = 'stopping';
        this.onDraining?.();
      }
    } else if (msg?.kind === 'metrics') {
      this.reports.receive(msg.report);
    } else if (msg?.kind === 'status') {
      this.status = msg.text;
    } else if (msg?.kind === 'watchdog') {
      this.heartbeat = { at: Date.now(), loopDelayMs: msg.loopDelayMs, loopDelayMaxMs: msg.loopDelayMaxMs };
    }
  }

  /** Marks a process that never notifies as running (after warmup_delay). */
  markRunning(): void {
    if (this.state === 'starting') this.state = 'running';
  }

  signal(sig: NodeJS.Signals): boolean {
    // A failed spawn (ENOENT…) leaves a handle whose pid is 0 until the error event: kill(0, sig)
    // would signal our whole process group, so never signal without a real pid.
    if (!this.alive || !this.child.pid) return false;
    try {
      return this.child.kill(sig);
    } catch {
      return false;
    }
  }

  /** stop_signal, then SIGKILL after graceful_timeout; resolves when the child has exited. */
  stop(sig: NodeJS.Signals, gracefulSeconds: number): Promise<ExitInfo> {
    if (this.alive && !this.stopRequested) {
      this.stopRequested = true;
      this.state = 'stopping';
      // Already draining (e.g. Ctrl-C reached the whole process group): a second signal would
      // make circus-worker cut its in-flight requests, so only arm the deadline.
      if (!this.draining) this.signal(sig);
      this.killTimer = setTimeout(() => {
        log.warn(`${this.spec.config.name}: process ${this.pid} still running ${gracefulSeconds}s after ${sig}, sending SIGKILL`);
        this.signal('SIGKILL');
      }, gracefulSeconds * 1000);
    }
    return this.exited;
  }

  kill(): void {
    this.stopRequested = true;
    this.signal('SIGKILL');
  }
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return info.error;
  return info.signal ? `signal ${info.signal}` : `code ${info.code}`;
}

function childEnv(config: WatcherConfig, wid: number, fdMap: Map<string, number>, notifyFd: number): Record<string, string> {
  const base: Record<string, string> = {};
  if (config.copyEnv) Object.assign(base, process.env);
  else if (config.copyPath && process.env.PATH) base.PATH = process.env.PATH;
  const vars = { sockets: fdMap, wid, env: process.env };
  for (const [k, v] of Object.entries(config.env)) base[k] = substitute(v, vars);
  base.CIRCUS_WATCHER = config.name;
  base.CIRCUS_WID = String(wid);
  base.CIRCUS_PARENT_PID = String(process.pid);
  base.CIRCUS_NOTIFY_FD = String(notifyFd);
  return base;
}
