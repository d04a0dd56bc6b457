// Control commands with Circus's message shape: {command, properties} in, {status, ...} out.
import type { Arbiter } from './arbiter.js';
import { CommandError, ConfigError } from './errors.js';
import { readable, settable, watcherOption, type Settings } from './options.js';
import { metricsCommand } from './metrics/samples.js';
import { signalName } from './values.js';
import type { Watcher } from './watcher.js';

export type Props = Record<string, unknown>;
type Handler = (a: Arbiter, p: Props) => Promise<Record<string, unknown>> | Record<string, unknown>;

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
  const seen = new Set(w.live.map((p) => p.status).filter((s): s is string => !!s));
  return seen.size ? [...seen].sort().join('; ') : undefined;
}

const handlers: Record<string, Handler> = {
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
  async start(a, p) {
    await a.startWatchers(name(p, false));
    return {};
  },
  async stop(a, p) {
    await a.stopWatchers(name(p, false));
    return {};
  },
  async restart(a, p) {
    await a.restartWatchers(name(p, false));
    return {};
  },
  async reload(a, p) {
    await a.reload(name(p, false));
    return {};
  },
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
  stats(a, p) {
    const n = name(p, false);
    if (n) return { name: n, info: a.watcher(n).stats() };
    return { infos: Object.fromEntries([...a.watchers].map(([k, w]) => [k, w.stats()])) };
  },
  metrics(a, p) {
    const n = name(p, false);
    return metricsCommand(a, n ? [a.watcher(n)] : [...a.watchers.values()], p.format);
  },
  dstats(a) {
    return { info: a.stats() };
  },
  quit(a) {
    a.enqueue('stop');
    return {};
  },
};

export const COMMANDS = Object.keys(handlers);

export async function dispatch(a: Arbiter, msg: unknown): Promise<Record<string, unknown>> {
  if (!msg || typeof msg !== 'object' || typeof (msg as Props).command !== 'string') {
    throw new CommandError('EBADMESSAGE', 'expected {"command": "...", "properties": {...}}');
  }
  const { command, properties } = msg as { command: string; properties?: Props };
  const h = Object.hasOwn(handlers, command) ? handlers[command] : undefined;
  if (!h) throw new CommandError('EUNKNOWNCOMMAND', `unknown command "${command}" (known: ${COMMANDS.join(', ')})`);
  return h(a, properties ?? {});
}
