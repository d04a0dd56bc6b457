// Control commands with Circus's message shape: {command, properties} in, {status, ...} out.
import type { Arbiter } from './arbiter.js';
import { CommandError } from './errors.js';
import { procStats } from './stats.js';
import { signalName } from './values.js';
import type { Watcher } from './watcher.js';

export type Props = Record<string, unknown>;
type Handler = (a: Arbiter, p: Props) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Options readable with get/options and writable with set. */
const OPTIONS: Record<string, { get: (w: Watcher) => unknown; set?: (w: Watcher, v: unknown) => Promise<void> | void }> = {
  numprocesses: { get: (w) => w.config.numprocesses, set: async (w, v) => void (await w.setTarget(count(v, 'numprocesses'))) },
  graceful_timeout: { get: (w) => w.config.gracefulTimeout, set: (w, v) => void (w.config.gracefulTimeout = seconds(v, 'graceful_timeout')) },
  warmup_delay: { get: (w) => w.config.warmupDelay, set: (w, v) => void (w.config.warmupDelay = seconds(v, 'warmup_delay')) },
  max_age: { get: (w) => w.config.maxAge, set: (w, v) => { w.config.maxAge = seconds(v, 'max_age'); w.refreshAges(); } },
  max_age_variance: { get: (w) => w.config.maxAgeVariance, set: (w, v) => { w.config.maxAgeVariance = seconds(v, 'max_age_variance'); w.refreshAges(); } },
  ready_timeout: { get: (w) => w.config.readyTimeout, set: (w, v) => void (w.config.readyTimeout = seconds(v, 'ready_timeout')) },
  respawn: { get: (w) => w.config.respawn, set: (w, v) => void (w.config.respawn = bool(v, 'respawn')) },
  stop_signal: { get: (w) => w.config.stopSignal, set: (w, v) => void (w.config.stopSignal = signal(v)) },
  cmd: { get: (w) => w.config.cmd },
  args: { get: (w) => w.config.args },
  priority: { get: (w) => w.config.priority },
  singleton: { get: (w) => w.config.singleton },
  autostart: { get: (w) => w.config.autostart },
  use_sockets: { get: (w) => w.config.useSockets },
  sockets: { get: (w) => w.config.sockets },
  working_dir: { get: (w) => w.config.workingDir ?? null },
  uid: { get: (w) => w.config.uid ?? null },
  gid: { get: (w) => w.config.gid ?? null },
  copy_env: { get: (w) => w.config.copyEnv },
  notify: { get: (w) => w.config.notify },
  max_retry: { get: (w) => w.config.flapping.maxRetry },
};

function count(v: unknown, key: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CommandError('EBADVALUE', `${key} must be a whole number >= 0, got ${JSON.stringify(v)}`);
  return n;
}
function seconds(v: unknown, key: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CommandError('EBADVALUE', `${key} must be a number of seconds >= 0, got ${JSON.stringify(v)}`);
  return n;
}
function bool(v: unknown, key: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw new CommandError('EBADVALUE', `${key} must be true or false, got ${JSON.stringify(v)}`);
}
function signal(v: unknown): NodeJS.Signals {
  const s = signalName(String(v));
  if (!s) throw new CommandError('EBADSIGNAL', `unknown signal ${JSON.stringify(v)}`);
  return s;
}

function name(p: Props, required = true): string | undefined {
  const n = p.name;
  if (n === undefined || n === null || n === '') {
    if (required) throw new CommandError('EMISSING', 'this command needs a watcher name');
    return undefined;
  }
  return String(n);
}

function watcherStats(w: Watcher): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of w.procs) {
    const s = procStats(p.pid);
    if (s) out[p.pid] = { ...s, wid: p.spec.wid, state: p.state };
  }
  return out;
}

const handlers: Record<string, Handler> = {
  status(a, p) {
    const n = name(p, false);
    if (n) return { status: a.watcher(n).state };
    return { statuses: Object.fromEntries([...a.watchers].map(([k, w]) => [k, w.state])) };
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
    return {
      sockets: [...a.sockets.sockets.values()].map((s) => ({
        name: s.name,
        fd: s.fd,
        family: s.address.family,
        ...(s.address.family === 'AF_UNIX' ? { path: s.address.path } : { host: s.address.host, port: s.address.port }),
        address: s.label,
        backlog: s.config.backlog,
      })),
    };
  },
  async start(a, p) {
    const n = name(p, false);
    await a.run(async () => { for (const w of n ? [a.watcher(n)] : a.ordered()) await w.start(); });
    return {};
  },
  async stop(a, p) {
    const n = name(p, false);
    await a.run(async () => { await Promise.all((n ? [a.watcher(n)] : a.ordered()).map((w) => w.stop())); });
    return {};
  },
  async restart(a, p) {
    const n = name(p, false);
    await a.run(async () => { for (const w of n ? [a.watcher(n)] : a.ordered()) await w.restart(); });
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
    const w = a.watcher(name(p)!);
    return { numprocesses: await a.run(() => w.incr(p.nb === undefined ? 1 : count(p.nb, 'nb'))) };
  },
  async decr(a, p) {
    const w = a.watcher(name(p)!);
    return { numprocesses: await a.run(() => w.decr(p.nb === undefined ? 1 : count(p.nb, 'nb'))) };
  },
  numprocesses(a, p) {
    const n = name(p, false);
    if (n) return { numprocesses: a.watcher(n).config.numprocesses };
    return { numprocesses: [...a.watchers.values()].reduce((t, w) => t + w.config.numprocesses, 0) };
  },
  numwatchers(a) {
    return { numwatchers: a.watchers.size };
  },
  get(a, p) {
    const w = a.watcher(name(p)!);
    const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
    if (!keys.length) throw new CommandError('EMISSING', 'get needs at least one option name');
    const options: Record<string, unknown> = {};
    for (const k of keys) {
      const o = OPTIONS[k];
      if (!o) throw new CommandError('EUNKNOWNOPTION', `unknown option "${k}" (known: ${Object.keys(OPTIONS).join(', ')})`);
      options[k] = o.get(w);
    }
    return { options };
  },
  async set(a, p) {
    const w = a.watcher(name(p)!);
    const opts = p.options && typeof p.options === 'object' ? (p.options as Record<string, unknown>) : {};
    if (!Object.keys(opts).length) throw new CommandError('EMISSING', 'set needs at least one option and value');
    for (const k of Object.keys(opts)) {
      if (!OPTIONS[k]?.set) throw new CommandError('EREADONLY', `option "${k}" cannot be set at run time (settable: ${Object.keys(OPTIONS).filter((x) => OPTIONS[x].set).join(', ')})`);
    }
    await a.run(async () => { for (const [k, v] of Object.entries(opts)) await OPTIONS[k].set!(w, v); });
    return {};
  },
  options(a, p) {
    const w = a.watcher(name(p)!);
    return { options: Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, o.get(w)])) };
  },
  signal(a, p) {
    const w = a.watcher(name(p)!);
    const sig = signal(p.signum);
    const pid = p.pid === undefined || p.pid === null ? undefined : Number(p.pid);
    return { pids: w.signal(sig, pid) };
  },
  stats(a, p) {
    const n = name(p, false);
    if (n) return { name: n, info: watcherStats(a.watcher(n)) };
    return { infos: Object.fromEntries([...a.watchers].map(([k, w]) => [k, watcherStats(w)])) };
  },
  dstats(a) {
    const s = procStats(process.pid);
    return { info: { ...s, children: [...a.watchers.values()].reduce((t, w) => t + w.procs.size, 0), uptime: (Date.now() - a.startedAt) / 1000 } };
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
