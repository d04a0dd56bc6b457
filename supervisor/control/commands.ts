// Control commands with Circus's message shape: {command, properties} in, {status, ...} out.
import { CommandError, ConfigError } from '../errors.js';
import { readable, settable, watcherOption, type Settings } from '../config/options.js';
import type { MetricsView } from './metrics/exposition.js';
import { metricsCommand } from './metrics/samples.js';
import { signalName } from '../config/values.js';
import type { Answers, Command, SocketListing, SupervisorStats } from '../answers.js';
import { CpuBaseline } from '../run/stats.js';
import type { Watcher } from '../run/watcher.js';
import type { BoundSocket } from '../sockets/registry.js';

/** What the commands read and ask of the supervisor: the arbiter's operations, each run on its queue. */
export interface CommandTarget extends MetricsView {
  readonly sockets: { all(): BoundSocket[]; describe(): SocketListing[] };
  watcher(name: string): Watcher;
  startWatchers(name?: string): Promise<void>;
  stopWatchers(name?: string): Promise<void>;
  restartWatchers(name?: string): Promise<void>;
  reload(name?: string): Promise<void>;
  reloadConfig(): Promise<string[]>;
  resize(name: string, by: number): Promise<number>;
  setOptions(name: string, values: [keyof Settings, Settings[keyof Settings]][]): Promise<void>;
  stats(cpu: CpuBaseline): SupervisorStats;
  /** `quit`: a stop, queued as a signal's is. */
  enqueue(intent: 'stop'): void;
}

export type Props = Record<string, unknown>;
/** One command: `cpu` is the caller's baseline for CPU % (one per control connection). */
type Handler<K extends Command> = (a: CommandTarget, p: Props, cpu: CpuBaseline) => Answers[K] | Promise<Answers[K]>;

/** start, stop, restart and reload: one watcher when the command names it, else all; answers {}. */
function onWatchers(op: (a: CommandTarget, name?: string) => Promise<void>): (a: CommandTarget, p: Props) => Promise<Record<string, never>> {
  return async (a, p) => {
    await op(a, name(p, false));
    return {};
  };
}

function count(v: unknown, key: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CommandError('EBADVALUE', `${key} must be a whole number >= 0, got ${JSON.stringify(v)}`);
  return n;
}

function signal(v: unknown): NodeJS.Signals {
  const s = signalName(String(v));
  if (!s) throw new CommandError('EBADSIGNAL', `unknown signal ${JSON.stringify(v)}`);
  return s;
}

/** A `set` value, read with the same parser as the INI file. */
function settingValue(watcher: string, key: string, v: unknown): [keyof Settings, Settings[keyof Settings]] {
  const o = watcherOption(key);
  if (!o?.setting) throw new CommandError('EREADONLY', `option "${key}" cannot be set at run time (settable: ${settable().join(', ')})`);
  try {
    return [o.setting, o.parse(String(v), { file: `watcher ${watcher}`, section: '', key }) as Settings[keyof Settings]];
  } catch (err) {
    throw err instanceof ConfigError ? new CommandError('EBADVALUE', err.message) : err;
  }
}

/** What `get`/`options` answer for `key`: the running value of a settable option, else the file's. */
function optionValue(w: Watcher, key: string): unknown {
  if (key === 'sockets') return w.config.sockets;
  const o = watcherOption(key);
  if (o?.setting) return w.settings[o.setting];
  if (o?.value) return o.value(w.config);
  throw new CommandError('EUNKNOWNOPTION', `unknown option "${key}" (known: ${readable().join(', ')}, sockets)`);
}

function name(p: Props, required = true): string | undefined {
  const n = p.name;
  if (n === undefined || n === null || n === '') {
    if (required) throw new CommandError('EMISSING', 'this command needs a watcher name');
    return undefined;
  }
  return String(n);
}

/** What the watcher's running processes serve with, from their STATUS= line (circus-worker: `backend=uws build=…`). */
function backendOf(w: Watcher): string | undefined {
  const seen = new Set(w.live.map((p) => /\bbackend=\S+(?: build=\S+)?/.exec(p.status ?? '')?.[0]).filter((s): s is string => !!s));
  return seen.size ? [...seen].sort().join('; ') : undefined;
}

const handlers: { [K in Command]: Handler<K> } = {
  status(a, p) {
    const n = name(p, false);
    if (n) {
      const backend = backendOf(a.watcher(n));
      return { status: a.watcher(n).state, ...(backend && { backend }) };
    }
    const backends = [...a.watchers].map(([k, w]) => [k, backendOf(w)]).filter(([, b]) => b);
    return { statuses: Object.fromEntries([...a.watchers].map(([k, w]) => [k, w.state])), ...(backends.length && { backends: Object.fromEntries(backends) }) };
  },
  list(a, p) {
    const n = name(p, false);
    if (n) {
      const w = a.watcher(n);
      return { pids: w.pids, processes: [...w.procs].map((x) => ({ pid: x.pid, wid: x.spec.wid, state: x.state, age: (Date.now() - x.startedAt) / 1000 })) };
    }
    return { watchers: [...a.watchers.keys()] };
  },
  listsockets(a) {
    return { sockets: a.sockets.describe() };
  },
  start: onWatchers((a, n) => a.startWatchers(n)),
  stop: onWatchers((a, n) => a.stopWatchers(n)),
  restart: onWatchers((a, n) => a.restartWatchers(n)),
  reload: onWatchers((a, n) => a.reload(n)),
  async reloadconfig(a) {
    return { changes: await a.reloadConfig() };
  },
  async incr(a, p) {
    return { numprocesses: await a.resize(name(p)!, p.nb === undefined ? 1 : count(p.nb, 'nb')) };
  },
  async decr(a, p) {
    return { numprocesses: await a.resize(name(p)!, -(p.nb === undefined ? 1 : count(p.nb, 'nb'))) };
  },
  numprocesses(a, p) {
    const n = name(p, false);
    if (n) return { numprocesses: a.watcher(n).settings.numprocesses };
    return { numprocesses: [...a.watchers.values()].reduce((t, w) => t + w.settings.numprocesses, 0) };
  },
  numwatchers(a) {
    return { numwatchers: a.watchers.size };
  },
  get(a, p) {
    const w = a.watcher(name(p)!);
    const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
    if (!keys.length) throw new CommandError('EMISSING', 'get needs at least one option name');
    return { options: Object.fromEntries(keys.map((k) => [k, optionValue(w, k)])) };
  },
  async set(a, p) {
    const n = name(p)!;
    a.watcher(n);
    const opts = p.options && typeof p.options === 'object' ? (p.options as Record<string, unknown>) : {};
    if (!Object.keys(opts).length) throw new CommandError('EMISSING', 'set needs at least one option and value');
    await a.setOptions(n, Object.entries(opts).map(([k, v]) => settingValue(n, k, v)));
    return {};
  },
  options(a, p) {
    const w = a.watcher(name(p)!);
    return { options: Object.fromEntries([...readable(), 'sockets'].map((k) => [k, optionValue(w, k)])) };
  },
  signal(a, p) {
    const w = a.watcher(name(p)!);
    const sig = signal(p.signum);
    const pid = p.pid === undefined || p.pid === null ? undefined : Number(p.pid);
    return { pids: w.signal(sig, pid) };
  },
  stats(a, p, cpu) {
    const n = name(p, false);
    if (n) return { name: n, info: a.watcher(n).stats(cpu) };
    return { infos: Object.fromEntries([...a.watchers].map(([k, w]) => [k, w.stats(cpu)])) };
  },
  metrics(a, p) {
    const n = name(p, false);
    return metricsCommand(a, n ? [a.watcher(n)] : [...a.watchers.values()], p.format);
  },
  dstats(a, _p, cpu) {
    return { info: a.stats(cpu) };
  },
  quit(a) {
    a.enqueue('stop');
    return {};
  },
};

const COMMANDS = Object.keys(handlers);

/** Answers one message; `cpu` is the caller's CPU baseline (a fresh one: CPU % over each process's life). */
export async function dispatch(a: CommandTarget, msg: unknown, cpu = new CpuBaseline()): Promise<Answers[Command]> {
  if (!msg || typeof msg !== 'object' || typeof (msg as Props).command !== 'string') {
    throw new CommandError('EBADMESSAGE', 'expected {"command": "...", "properties": {...}}');
  }
  const { command, properties } = msg as { command: string; properties?: Props };
  const h = Object.hasOwn(handlers, command) ? (handlers[command as Command] as Handler<Command>) : undefined;
  if (!h) throw new CommandError('EUNKNOWNCOMMAND', `unknown command "${command}" (known: ${COMMANDS.join(', ')})`);
  return h(a, properties ?? {}, cpu);
}
