// Every INI option, once: its parser, its default, what it means, and (for watchers) whether
// `circus-ctl set` may change it on a running watcher. The config reader, the control commands
// `get`/`options`/`set` and the option table in docs/supervisor-options.md all come from here.
import type { WatcherConfig } from './types.js';
import { configError } from '../errors.js';
import { toBool, toInt, toOctal, toSeconds, toSignal, type Where } from './values.js';

/** Most processes one watcher may run, from the config or incr/set (a typo must not fork-bomb the host). */
export const MAX_PROCESSES = 10000;

export interface Option<T> {
  parse: (raw: string, w: Where) => T;
  /** Value when the key is absent; undefined when there is none or the reader works it out. */
  fallback: T | undefined;
  /** The default as the documentation shows it. */
  shown: string;
  doc: string;
}

/** The watcher values a running watcher may change (`circus-ctl set`); the rest is the file's. */
export type Settings = Pick<WatcherConfig, 'numprocesses' | 'gracefulTimeout' | 'warmupDelay' | 'maxAge' | 'maxAgeVariance' | 'readyTimeout' | 'respawn' | 'stopSignal' | 'timeout'>;

/** A section's values of the settings, as the file has them. */
export function settingsOf(c: WatcherConfig): Settings {
  const { numprocesses, gracefulTimeout, warmupDelay, maxAge, maxAgeVariance, readyTimeout, respawn, stopSignal, timeout } = c;
  return { numprocesses, gracefulTimeout, warmupDelay, maxAge, maxAgeVariance, readyTimeout, respawn, stopSignal, timeout };
}

export interface WatcherOption<T> extends Option<T> {
  /** The running setting `circus-ctl set` changes. */
  setting?: keyof Settings;
  /** What `get`/`options` answer for a read-only option (absent: not readable at run time). */
  value?: (c: WatcherConfig) => unknown;
}

const text = (raw: string): string => raw;
const trimmed = (raw: string): string => raw.trim();
const int = (min: number, max?: number) => (raw: string, w: Where) => toInt(raw, w, min, max);
const notify = (raw: string, w: Where): 'auto' | 'yes' | 'no' => (raw.trim().toLowerCase() === 'auto' ? 'auto' : toBool(raw, w) ? 'yes' : 'no');
const port = (raw: string, w: Where): number => {
  if (!/^\s*\d+\s*$/.test(raw)) throw configError('EBADPORT', w, `port must be a number from 0 to 65535, got "${raw}"`);
  return toInt(raw, w, 0, 65535);
};

function opt<T>(parse: (raw: string, w: Where) => T, fallback: T | undefined, shown: string, doc: string): Option<T> {
  return { parse, fallback, shown, doc };
}

function wopt<T>(parse: (raw: string, w: Where) => T, fallback: T | undefined, shown: string, doc: string, extra: Omit<WatcherOption<T>, keyof Option<T>> = {}): WatcherOption<T> {
  return { parse, fallback, shown, doc, ...extra };
}

export const CIRCUS_OPTIONS = {
  endpoint: opt(trimmed, undefined, 'tcp://127.0.0.1:5555', 'control endpoint: `tcp://HOST:PORT` or `unix:///PATH` (created 0600); non-loopback TCP needs `endpoint_allow_remote`'),
  endpoint_allow_remote: opt(toBool, false, 'false', 'allow a control endpoint reachable from other hosts (it has no authentication; logged as a warning)'),
  metrics_endpoint: opt(trimmed, undefined, 'none', 'ours: HTTP endpoint `tcp://HOST:PORT` answering `GET /health`, `/health/NAME` and `/status` (see deploy.md); non-loopback needs `metrics_endpoint_allow_remote`'),
  metrics_endpoint_allow_remote: opt(toBool, false, 'false', 'ours: allow a `metrics_endpoint` reachable from other hosts (a load balancer elsewhere; no authentication; logged as a warning)'),
  stop_delay: opt(toSeconds, 0, '0', 'ours: on SIGTERM/SIGINT/SIGQUIT or `quit`, seconds of lame duck first: `/health` answers 503 and every worker is told (`LAMEDUCK=1`) while all keep serving; then the stop as usual'),
  warmup_delay: opt(toSeconds, 0, '0', 'default `warmup_delay` of every watcher'),
  umask: opt(toOctal, undefined, 'inherited', "the supervisor's umask"),
  include: opt(text, undefined, 'none', 'more INI files: space-separated globs, relative to this file'),
  include_dir: opt(text, undefined, 'none', 'a directory whose `*.ini` files are included'),
  pidfile: opt(trimmed, undefined, 'none', "file the supervisor writes its pid to (removed on exit)"),
  loglevel: opt(trimmed, undefined, 'info', 'debug, info, warn or error (`--log-level` wins)'),
  check_delay: opt(toSeconds, 5, '5', 'accepted with a warning: exits are handled as they happen, not polled'),
  pubsub_endpoint: opt(text, undefined, 'none', 'accepted with a warning: nothing is published'),
  stats_endpoint: opt(text, undefined, 'none', 'accepted with a warning: use `circus-ctl stats`'),
};

export const SOCKET_OPTIONS = {
  host: opt(trimmed, undefined, '127.0.0.1 (::1 for AF_INET6)', 'address to bind; names are resolved'),
  port: opt(port, 8080, '8080', 'TCP port; 0 = ephemeral (logged and shown by `listsockets`)'),
  family: opt((raw) => raw.trim().toUpperCase(), undefined, 'from host/path', 'AF_INET, AF_INET6 or AF_UNIX'),
  type: opt(trimmed, undefined, 'SOCK_STREAM', 'SOCK_STREAM only'),
  path: opt(text, undefined, 'none', 'Unix socket path (family AF_UNIX)'),
  umask: opt(toOctal, undefined, 'inherited', 'Unix socket file mode = 0777 & ~umask'),
  backlog: opt(int(1, 65535), 2048, '2048', 'listen backlog'),
  so_reuseport: opt(toBool, false, 'false', 'TCP: a SO_REUSEPORT listening socket per worker slot, so the kernel spreads connections over the workers ([supervisor.md](supervisor.md#per-worker-sockets-so_reuseport))'),
  replace: opt(toBool, false, 'false', 'remove an existing Unix socket file before binding'),
  interface: opt(trimmed, undefined, 'none', 'bind to this network interface (SO_BINDTODEVICE; needs root)'),
  blocking: opt(toBool, false, 'false', 'leave the fd blocking (workers set O_NONBLOCK themselves)'),
};

export const FLAPPING_OPTIONS = {
  attempts: opt(int(1), 2, '2', 'unexpected exits within `window` that count as flapping'),
  window: opt(toSeconds, 1, '1', 'seconds'),
  retry_in: opt(toSeconds, 7, '7', 'seconds the watcher stays stopped before trying again'),
  max_retry: opt(int(-1), 5, '5', 'flapping rounds before it stays stopped (-1 = forever)'),
  use: opt(text, undefined, 'none', 'accepted (flapping detection is always on)'),
  active: opt(text, undefined, 'none', 'accepted (flapping detection is always on)'),
};

type StreamOptions<N extends string> = { [K in `${N}_stream.class` | `${N}_stream.filename`]: WatcherOption<string> } & {
  [K in `${N}_stream.max_bytes` | `${N}_stream.backup_count`]: WatcherOption<number>;
};
const stream = <N extends 'stdout' | 'stderr'>(name: N) =>
  ({
    [`${name}_stream.class`]: wopt(trimmed, undefined, 'inherit', `where the child's ${name} goes: FileStream, WatchedFileStream, TimedRotatingFileStream (all: a file rotated by size), StdoutStream, FancyStdoutStream`),
    [`${name}_stream.filename`]: wopt(text, undefined, 'none', 'the file of a FileStream; its folder must exist (exit 2 otherwise)'),
    [`${name}_stream.max_bytes`]: wopt(int(0), 0, '0', 'rotate the file at this size (0 = never)'),
    [`${name}_stream.backup_count`]: wopt(int(0, 1000), 0, '0', 'rotated files kept'),
  }) as StreamOptions<N>;

export const WATCHER_OPTIONS = {
  cmd: wopt(text, undefined, 'required', 'command line; `$(circus.sockets.NAME)`, `$(circus.wid)`, `$(circus.env.VAR)` are substituted', { value: (c) => c.cmd }),
  args: wopt(text, undefined, 'none', 'appended to `cmd`', { value: (c) => c.args }),
  shell: wopt(toBool, false, 'false', 'run through /bin/sh -c'),
  numprocesses: wopt(int(0, MAX_PROCESSES), 1, '1', 'processes to keep running', { setting: 'numprocesses' }),
  use_sockets: wopt(toBool, false, 'false', 'pass sockets to the children (without a reference in cmd: all of them)', { value: (c) => c.useSockets }),
  warmup_delay: wopt(toSeconds, undefined, '[circus] warmup_delay', 'seconds between starting two processes', { setting: 'warmupDelay' }),
  working_dir: wopt(text, undefined, "the supervisor's", "the children's working directory", { value: (c) => c.workingDir ?? null }),
  copy_env: wopt(toBool, false, 'false', "pass the supervisor's environment (otherwise the child sees only `env`); a `cmd` that is a Node script runs on the supervisor's Node either way (see below the table)", { value: (c) => c.copyEnv }),
  copy_path: wopt(toBool, false, 'false', 'pass PATH even without `copy_env`'),
  env: wopt(text, undefined, 'none', '`K=v, K2=v2` (also `[env:NAME]` sections)'),
  uid: wopt(trimmed, undefined, 'none', 'user name or number to run as (needs root)', { value: (c) => c.uid ?? null }),
  gid: wopt(trimmed, undefined, "the user's group", 'group name or number (needs root)', { value: (c) => c.gid ?? null }),
  stop_signal: wopt(toSignal, 'SIGTERM', 'SIGTERM', 'signal that asks a process to stop', { setting: 'stopSignal' }),
  graceful_timeout: wopt(toSeconds, 30, '30', 'seconds after `stop_signal` before SIGKILL', { setting: 'gracefulTimeout' }),
  respawn: wopt(toBool, true, 'true', 'start a replacement when a process exits', { setting: 'respawn' }),
  max_retry: wopt(int(-1), undefined, '[plugin:flapping] max_retry', 'flapping rounds before the watcher stays stopped', { value: (c) => c.flapping.maxRetry }),
  max_age: wopt(toSeconds, 0, '0', 'replace each process after this many seconds (0 = never), one at a time', { setting: 'maxAge' }),
  max_age_variance: wopt(toSeconds, 30, '30', 'random 0..N seconds added to `max_age`', { setting: 'maxAgeVariance' }),
  singleton: wopt(toBool, false, 'false', 'at most one process', { value: (c) => c.singleton }),
  autostart: wopt(toBool, true, 'true', 'start with the supervisor', { value: (c) => c.autostart }),
  priority: wopt(int(-1e6, 1e6), 0, '0', 'higher starts first', { value: (c) => c.priority }),
  close_child_stdin: wopt(toBool, true, 'true', 'give the child /dev/null as stdin'),
  close_child_stdout: wopt(toBool, false, 'false', "discard the child's stdout"),
  close_child_stderr: wopt(toBool, false, 'false', "discard the child's stderr"),
  notify: wopt(notify, 'auto', 'auto', 'ours: wait for READY=1 (`auto`: for circus-worker, or once a child has sent it)', { value: (c) => c.notify }),
  ready_timeout: wopt(toSeconds, 30, '30', 'ours: seconds a new process has to report READY=1', { setting: 'readyTimeout' }),
  timeout: wopt(toSeconds, 30, '30', "ours, gunicorn's meaning: a READY process whose heartbeat is late by more than this many seconds (event loop blocked) is SIGKILLed and replaced like a crash; 0 = off", { setting: 'timeout' }),
  'flapping.attempts': wopt(int(1), undefined, '[plugin:flapping]', 'per-watcher flapping `attempts`'),
  'flapping.window': wopt(toSeconds, undefined, '[plugin:flapping]', 'per-watcher flapping `window`'),
  'flapping.retry_in': wopt(toSeconds, undefined, '[plugin:flapping]', 'per-watcher flapping `retry_in`'),
  'flapping.max_retry': wopt(int(-1), undefined, '[plugin:flapping]', 'per-watcher flapping `max_retry`'),
  ...stream('stdout'),
  ...stream('stderr'),
};

export type OptionTable = Record<string, Option<unknown>>;
export type Values<T> = { [K in keyof T]: T[K] extends Option<infer V> ? V : never };

/** Watcher options `circus-ctl set` may change, by name. */
export function settable(): string[] {
  return Object.entries(WATCHER_OPTIONS as Record<string, WatcherOption<unknown>>).filter(([, o]) => o.setting).map(([k]) => k);
}

/** Watcher options `get`/`options` answer, by name. */
export function readable(): string[] {
  return Object.entries(WATCHER_OPTIONS as Record<string, WatcherOption<unknown>>).filter(([, o]) => o.setting || o.value).map(([k]) => k);
}

export function watcherOption(key: string): WatcherOption<unknown> | undefined {
  return Object.hasOwn(WATCHER_OPTIONS, key) ? (WATCHER_OPTIONS as Record<string, WatcherOption<unknown>>)[key] : undefined;
}

/** The table in docs/supervisor-options.md, one row per option of every section. */
export function optionTable(): string {
  const sections: [string, OptionTable][] = [['circus', CIRCUS_OPTIONS], ['socket:NAME', SOCKET_OPTIONS], ['watcher:NAME', WATCHER_OPTIONS], ['plugin:flapping', FLAPPING_OPTIONS]];
  const rows = ['| section | option | default | `set` | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [section, table] of sections) {
    for (const [key, o] of Object.entries(table)) {
      rows.push(`| [${section}] | \`${key}\` | ${o.shown} | ${(o as WatcherOption<unknown>).setting ? 'yes' : ''} | ${o.doc} |`);
    }
  }
  return rows.join('\n');
}
