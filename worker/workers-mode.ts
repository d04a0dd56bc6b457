// `circus-worker --workers N --bind HOST:PORT app.ts`: this process binds (or takes) the socket
// once, holds it, and runs N workers through the supervisor's own Arbiter, from a config built in
// memory: one socket, one watcher whose cmd is this same circus-worker with `--fd` and the user's
// other flags. Rolling reload, respawn and flapping, the watchdog, graceful stop, health and
// metrics are the supervisor's; this file only builds the config and speaks to the user.
import path from 'node:path';
import type { Command } from 'commander';
import type { Arbiter } from '../supervisor/arbiter.js';
import { Section } from '../supervisor/config/section.js';
import type { CircusConfig, SocketConfig } from '../supervisor/config/types.js';
import { readWatcher } from '../supervisor/config/watcher-section.js';
import { EXIT as SUPERVISOR_EXIT, SupervisorError } from '../supervisor/errors.js';
import { closeInheritedOnExec } from '../supervisor/sockets/inherited-fds.js';
import { setLogLevel } from '../supervisor/log.js';
import type { Proc } from '../supervisor/run/process.js';
import { installSignalHandlers } from '../supervisor/signals.js';
import { startSupervisor } from '../supervisor/start.js';
import { notify } from '../sys/notify.js';
import { followNpmLauncher } from '../sys/npm-launcher.js';
import { EXIT_FAILURE, EXIT_USAGE, WorkerError } from './error-codes.js';
import { clearStaleUnix, listenSpec, type ListenFlags, type ListenSpec } from './listen-target.js';
import { heartbeatMs, startHeartbeat } from './lifecycle.js';
import { LoopLag } from './loop-lag.js';
import { parseAppSpec } from './load-app.js';
import type { LogLevel } from './log.js';
import { watchTree, type TreeWatch } from './watch-tree.js';
import { PARENT_ONLY, type WorkersFlags } from './workers-flags.js';

const SOCKET = 'web';
const WATCHER = 'app';
/** Where config errors point: there is no file, only this command line. */
const SOURCE = 'circus-worker --workers';

export interface WorkersRun {
  cmd: Command;
  /** process.argv as given. */
  argv: string[];
  /** The circus-worker script that is running (the built file, wherever it is installed). */
  cliPath: string;
}

type Flags = WorkersFlags & ListenFlags & { logLevel: LogLevel; gracefulTimeout: number; stopDelay: number };

const say = (msg: string) => process.stderr.write(`circus-worker[${process.pid}] ${msg}\n`);

export async function runWorkers({ cmd, argv, cliPath }: WorkersRun): Promise<number> {
  const flags = cmd.opts<Flags>();
  const n = flags.workers ?? 1;
  // The socket first, as a single worker would (its errors and exit codes).
  const spec = listenSpec(flags, process.env, process.pid);
  const app = parseAppSpec(cmd.args[0], process.cwd());
  // Before any child exists: nothing this process inherited may reach the workers.
  closeInheritedOnExec();
  // The supervisor says what went wrong; its routine lines (spawned, reloading) only at debug.
  setLogLevel(flags.logLevel === 'debug' ? 'debug' : flags.logLevel === 'error' ? 'error' : 'warn');
  const config = buildConfig(spec, n, flags, workerCommand(cliPath, childArgs(cmd, argv.slice(2))));
  if (spec.kind === 'unix') await clearStaleUnix(spec.path);

  let started: Awaited<ReturnType<typeof startSupervisor>>;
  try {
    started = await startSupervisor(config, { control: flags.control !== undefined });
  } catch (err) {
    throw asWorkerError(err, spec);
  }
  const { arbiter, controlAddress, metricsAddress } = started;
  let watch: TreeWatch | undefined;
  let stopBeat: (() => void) | undefined;
  const roll = rollingReload(arbiter, n);
  const uninstall = installSignalHandlers((intent) => (intent === 'reload' ? void roll('SIGHUP') : arbiter.enqueue(intent)));
  // Under npx: npm passes a SIGTERM to its `sh -c`, which dies and leaves us running; follow npm out.
  const unfollow = followNpmLauncher((npm) => {
    say(`${npm}, which started this command, exited: stopping`);
    arbiter.enqueue('stop');
  });
  try {
    const first = await firstRound(arbiter);
    if (first.failed) {
      say(`worker ${first.failed.pid} ${first.failed.exit?.signal ? `was killed by ${first.failed.exit.signal}` : `exited with code ${first.failed.exit?.code}`} before it was ready (its error is above); stopping`);
      void arbiter.stop();
      await arbiter.done;
      return first.failed.exit?.code === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE;
    }
    if (first.stopped) return exitCode(await arbiter.done);
    const engine = (first.status ?? '').replace(/^.*? (backend=)/, '$1') || 'backend=?';
    const scheme = / serving https:\/\//.test(first.status ?? '') ? 'https://' : '';
    const extra = [controlAddress && `control ${controlAddress}`, metricsAddress && `metrics ${metricsAddress}`].filter(Boolean);
    say(`serving ${scheme}${arbiter.sockets.summary().slice(SOCKET.length + 1)} with ${n} worker${n === 1 ? '' : 's'} (pids ${pids(arbiter).join(' ')}) ${engine}${extra.length ? `; ${extra.join(', ')}` : ''}`);
    notify('READY=1');
    // systemd's WatchdogSec= (and an outer supervisor's timeout) watch this process's event loop.
    const lag = new LoopLag(heartbeatMs());
    const stopBeats = startHeartbeat(lag);
    stopBeat = () => (stopBeats(), lag.stop());
    const stopWatching = watchGiveUp(arbiter, Boolean(flags.reload));
    void arbiter.done.then(stopWatching);
    if (flags.reload) {
      const root = path.dirname(app.file);
      watch = watchTree(root, (file) => void roll(`${path.relative(process.cwd(), file) || file} changed`), say);
      say(`--reload: watching ${watch.dirs} folder${watch.dirs === 1 ? '' : 's'} under ${path.relative(process.cwd(), root) || '.'}`);
    }
    return exitCode(await arbiter.done);
  } finally {
    watch?.close();
    stopBeat?.();
    unfollow?.();
    uninstall();
  }
}

/** The worker's own flags, minus the ones this mode consumes (the socket becomes `--fd`). */
export function childArgs(cmd: Command, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const long = a.startsWith('--');
    const name = long ? a.split('=')[0] : a.startsWith('-') && a.length > 1 ? a.slice(0, 2) : undefined;
    const opt = name === undefined ? undefined : cmd.options.find((o) => o.long === name || o.short === name);
    // A value in the same token (--x=v, -wN) or the next one.
    const separateValue = Boolean(opt && (opt.required || opt.optional) && (long ? !a.includes('=') : a.length === 2));
    if (opt && PARENT_ONLY.has(opt.long!)) {
      if (separateValue) i++;
      continue;
    }
    out.push(a);
    if (separateValue && i + 1 < args.length) out.push(args[++i]);
  }
  return out;
}

/** This Node (its flags too, but not a debugger's port), this script, `--fd` of the shared socket. */
function workerCommand(cliPath: string, args: string[]): { cmd: string; args: string } {
  const node = [process.execPath, ...process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a)), cliPath];
  return { cmd: node.map(quote).join(' '), args: [`--fd $(circus.sockets.${SOCKET})`, ...args.map(quote)].join(' ') };
}

/** As the supervisor's command splitter reads it back (POSIX shell quoting). */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function buildConfig(spec: ListenSpec, n: number, flags: Flags, command: { cmd: string; args: string }): CircusConfig {
  const config: CircusConfig = {
    files: [],
    // Only listened on with --control: a second project's one-command run must not meet EADDRINUSE.
    endpoint: flags.control ?? { kind: 'tcp', host: '127.0.0.1', port: 0, url: 'tcp://127.0.0.1:0' },
    metricsEndpoint: flags.metricsEndpoint,
    stopDelay: 0,
    warmupDelay: 0,
    sockets: new Map([[SOCKET, socketConfig(spec)]]),
    watchers: new Map(),
    warnings: [],
  };
  const entries: [string, string][] = [
    ['cmd', command.cmd],
    ['args', command.args],
    ['numprocesses', String(n)],
    ['use_sockets', 'true'],
    ['copy_env', 'true'],
    ['notify', 'true'],
    // The worker drains for its own --graceful-timeout (after --stop-delay); SIGKILL only after that.
    ['graceful_timeout', String(flags.gracefulTimeout + flags.stopDelay + 5)],
  ];
  const section = new Section({ name: `watcher:${WATCHER}`, file: SOURCE, line: 0, entries: new Map(entries.map(([k, value]) => [k, { value, line: 0 }])) });
  const flapping = { attempts: 2, window: 1, retryIn: 7, maxRetry: 5 };
  const watcher = readWatcher(section, WATCHER, config, flapping, process.env, []);
  watcher.sockets = [SOCKET];
  // This process answers systemd and holds the socket: the workers must not think they do.
  Object.assign(watcher.env, { NOTIFY_SOCKET: '', LISTEN_FDS: '', LISTEN_PID: '', LISTEN_FDNAMES: '', WATCHDOG_USEC: '', WATCHDOG_PID: '' });
  // One start line for all of them (this process prints it from their STATUS=); theirs only at debug.
  watcher.env.CIRCUS_START_LINE = flags.logLevel === 'debug' ? 'stderr+status' : 'status';
  config.watchers.set(WATCHER, watcher);
  return config;
}

function socketConfig(spec: ListenSpec): SocketConfig {
  const base = { name: SOCKET, host: '', port: 0, backlog: 2048, reuseport: false, replace: false, blocking: false, file: SOURCE };
  if (spec.kind === 'fd') return { ...base, family: 'AF_INET', fd: spec.fd };
  if (spec.kind === 'unix') return { ...base, family: 'AF_UNIX', path: path.resolve(spec.path) };
  return { ...base, family: spec.host.includes(':') ? 'AF_INET6' : 'AF_INET', host: spec.host, port: spec.port };
}

/** The supervisor's socket and endpoint errors, in the worker's words and exit codes. */
function asWorkerError(err: unknown, spec: ListenSpec): unknown {
  if (!(err instanceof SupervisorError)) return err;
  const what = err.message.replace(/^\[socket:[^\]]*\] \([^)]*\): /, '').replace(/ \(the file exists: .*\)$/, '');
  if (err.exitCode === SUPERVISOR_EXIT.SOCKET) {
    const flag = spec.kind === 'fd' ? `--fd ${spec.fd}` : spec.kind === 'unix' ? `--unix ${spec.path}` : `--bind ${spec.host}:${spec.port}`;
    return new WorkerError(spec.kind === 'fd' ? 'EFD' : 'EBIND', `${flag}: ${what}`);
  }
  if (err.exitCode === SUPERVISOR_EXIT.ENDPOINT) return new WorkerError('ECONTROL', what);
  return err;
}

interface FirstRound {
  failed?: Proc;
  stopped?: boolean;
  /** The first worker's start line (its STATUS=), for the engine it chose. */
  status?: string;
}

/** Waits until every first worker is READY, one exits before that, or a signal stops it all. */
async function firstRound(arbiter: Arbiter): Promise<FirstRound> {
  const procs = [...arbiter.watcher(WATCHER).procs];
  const failed = new Promise<FirstRound>((resolve) => procs.forEach((p) => void p.ready.then((ok) => !ok && !arbiter.stopping && resolve({ failed: p }))));
  const ready = Promise.all(procs.map((p) => p.ready)).then((oks): FirstRound => (oks.every(Boolean) ? { status: procs[0]?.status } : { stopped: true }));
  return Promise.race([failed, ready, arbiter.done.then((): FirstRound => ({ stopped: true }))]);
}

/** SIGHUP and --reload: the supervisor's rolling reload; changes during one roll make one more. */
function rollingReload(arbiter: Arbiter, n: number): (why: string) => Promise<void> {
  let rolling = false;
  let next: string | undefined;
  return async (why) => {
    next = why;
    if (rolling) return;
    rolling = true;
    for (let reason: string | undefined = next; reason !== undefined; reason = next) {
      next = undefined;
      try {
        if (arbiter.watcher(WATCHER).state === 'stopped') {
          // The flapping rule gave up on them (--reload keeps waiting for a fix): start afresh.
          say(`${reason}: starting ${n} worker${n === 1 ? '' : 's'}`);
          await arbiter.startWatchers(WATCHER);
          continue;
        }
        say(`${reason}: rolling ${n} worker${n === 1 ? '' : 's'}`);
        await arbiter.reload(WATCHER);
        say(`rolled: pids ${pids(arbiter).join(' ')}`);
      } catch (err) {
        if (arbiter.stopping) break;
        say(`the new workers did not start, the old ones keep serving: ${(err as Error).message}`);
      }
    }
    rolling = false;
  };
}

/**
 * The flapping rule stops the watcher for good after max_retry rounds. Under circus-supervisor
 * that waits for `circus-ctl start`; here nobody would: exit 1 (a process manager sees it), or
 * with --reload say so and wait for the next save.
 */
function watchGiveUp(arbiter: Arbiter, reload: boolean): () => void {
  let said = false;
  const timer = setInterval(() => {
    const stopped = arbiter.watcher(WATCHER).state === 'stopped';
    if (!stopped || arbiter.stopping) return void (said = false);
    if (!reload) {
      say('the workers keep crashing and the flapping rule gave up on them; stopping');
      return void arbiter.stop(SUPERVISOR_EXIT.INTERNAL);
    }
    if (!said) say('the workers keep crashing and the flapping rule gave up on them; save a fix to start them again');
    said = true;
  }, 1000);
  return () => clearInterval(timer);
}

function pids(arbiter: Arbiter): number[] {
  return arbiter.watcher(WATCHER).live.map((p) => p.pid);
}

/** The supervisor's stop codes in the worker's table: a forced stop (second signal) is 1. */
function exitCode(code: number): number {
  return code === SUPERVISOR_EXIT.OK ? 0 : EXIT_FAILURE;
}
