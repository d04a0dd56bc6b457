// reloadconfig in two steps: plan (compare the file as last applied with the new one: a list of
// steps, nothing touched) and apply (run the steps in order on the arbiter's queue). A stop that
// arrives meanwhile ends the apply before its next step, so nothing is started after the stop.
import type { CircusConfig, SocketConfig, WatcherConfig } from './config/types.js';
import { diffConfigs, sameAddress } from './config/diff.js';
import { CommandError } from './errors.js';
import { bindAllOrNone, closeSocket, type BoundSocket, type SocketRegistry } from './sockets/registry.js';
import type { Watcher } from './run/watcher.js';

export type Step =
  /** New sockets and sockets on a new address, bound before anything else (all or none). */
  | { kind: 'bind'; sockets: SocketConfig[] }
  | { kind: 'remove-watcher'; name: string }
  /** A socket changed on the same address: its users stop, it is closed and bound again. */
  | { kind: 'rebind-in-place'; socket: SocketConfig }
  | { kind: 'install-sockets' }
  /** A changed section: new settings, then a rolling reload (or a start, if it was stopped for a rebind). */
  | { kind: 'change-watcher'; config: WatcherConfig }
  | { kind: 'resize-watcher'; name: string; numprocesses: number }
  | { kind: 'add-watcher'; config: WatcherConfig }
  | { kind: 'close-socket'; name: string };

export interface ReloadPlan {
  next: CircusConfig;
  steps: Step[];
  /** Changes the file asks for that cannot be applied without a restart. */
  ignored: string[];
}

/** What apply needs from the arbiter. */
export interface ReloadTarget {
  config: CircusConfig;
  readonly sockets: SocketRegistry;
  readonly watchers: Map<string, Watcher>;
  newWatcher(cfg: WatcherConfig): Watcher;
  readonly stopping: boolean;
}

export function planReload(prev: CircusConfig, next: CircusConfig): ReloadPlan {
  const d = diffConfigs(prev, next);
  const moved = d.socketsChanged.filter((s) => !sameAddress(prev.sockets.get(s.name)!, s));
  const inPlace = d.socketsChanged.filter((s) => sameAddress(prev.sockets.get(s.name)!, s));
  const steps: Step[] = [
    { kind: 'bind', sockets: [...d.socketsAdded, ...moved] },
    ...d.watchersRemoved.map((name): Step => ({ kind: 'remove-watcher', name })),
    ...inPlace.map((socket): Step => ({ kind: 'rebind-in-place', socket })),
    { kind: 'install-sockets' },
    ...d.watchersChanged.map((config): Step => ({ kind: 'change-watcher', config })),
    ...d.watchersResized.map((w): Step => ({ kind: 'resize-watcher', name: w.name, numprocesses: w.numprocesses })),
    ...d.watchersAdded.map((config): Step => ({ kind: 'add-watcher', config })),
    ...d.socketsRemoved.map((name): Step => ({ kind: 'close-socket', name })),
  ];
  const ignored = next.endpoint.url !== prev.endpoint.url ? [`endpoint change to ${next.endpoint.url} needs a supervisor restart (ignored)`] : [];
  if (next.metricsEndpoint?.url !== prev.metricsEndpoint?.url) ignored.push(`metrics_endpoint change to ${next.metricsEndpoint?.url ?? 'none'} needs a supervisor restart (ignored)`);
  return { next, steps, ignored };
}

/** What the steps of one apply share: the changes so far and the sockets and watchers in between. */
interface Applying {
  readonly t: ReloadTarget;
  readonly changes: string[];
  /** Bound by this reload and not installed yet. */
  readonly fresh: Map<string, BoundSocket>;
  readonly rebound: Set<string>;
  /** Old sockets to close once their watchers have moved off them. */
  readonly retired: BoundSocket[];
  /** Watchers stopped for an in-place rebind: started again on the new socket. */
  readonly restart: Set<Watcher>;
}

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** One function per step kind, in the order planReload lists them. */
const APPLY: { [K in Step['kind']]: (step: StepOf<K>, a: Applying) => Promise<void> | void } = {
  async bind(step, a) {
    for (const s of await bindAllOrNone(step.sockets)) a.fresh.set(s.name, s);
  },
  async 'remove-watcher'(step, { t, changes }) {
    const w = t.watchers.get(step.name)!;
    await w.stop();
    w.close();
    t.sockets.release(step.name);
    t.watchers.delete(step.name);
    changes.push(`removed watcher ${step.name}`);
  },
  async 'rebind-in-place'(step, { t, rebound, restart }) {
    for (const w of t.watchers.values()) {
      if (w.config.sockets.includes(step.socket.name) && w.state !== 'stopped') {
        await w.stop();
        restart.add(w);
      }
    }
    await t.sockets.rebindInPlace(step.socket);
    rebound.add(step.socket.name);
  },
  'install-sockets'(_step, { t, changes, fresh, rebound, retired }) {
    for (const name of rebound) changes.push(`rebound socket ${name} on ${t.sockets.get(name)!.label}`);
    for (const [name, s] of fresh) {
      const old = t.sockets.install(s);
      if (old) retired.push(old);
      changes.push(`${old ? 'rebound' : 'bound'} socket ${name} on ${s.label}`);
    }
    fresh.clear();
  },
  async 'change-watcher'(step, { t, changes, restart }) {
    const w = t.watchers.get(step.config.name)!;
    w.updateConfig(step.config);
    if (restart.has(w)) await w.start();
    else if (w.state === 'active') await w.reload();
    changes.push(`reloaded watcher ${step.config.name}`);
  },
  async 'resize-watcher'(step, { t, changes }) {
    await t.watchers.get(step.name)!.setTarget(step.numprocesses);
    changes.push(`watcher ${step.name} now runs ${step.numprocesses} processes`);
  },
  async 'add-watcher'(step, { t, changes }) {
    const w = t.newWatcher(step.config);
    t.watchers.set(step.config.name, w);
    if (step.config.autostart) await w.start();
    changes.push(`added watcher ${step.config.name}`);
  },
  'close-socket'(step, { t, changes, retired }) {
    retired.push(t.sockets.remove(step.name)!);
    changes.push(`closed socket ${step.name}`);
  },
};

function applyStep<K extends Step['kind']>(step: StepOf<K>, a: Applying): Promise<void> | void {
  return (APPLY[step.kind] as (step: StepOf<K>, a: Applying) => Promise<void> | void)(step, a);
}

/** Runs the plan's steps in order; returns one line per change made. */
export async function applyReload(plan: ReloadPlan, t: ReloadTarget): Promise<string[]> {
  const a: Applying = { t, changes: [...plan.ignored], fresh: new Map(), rebound: new Set(), retired: [], restart: new Set() };
  for (const step of plan.steps) {
    if (t.stopping) {
      a.fresh.forEach(closeSocket);
      throw new CommandError('ESTOPPING', `reloadconfig stopped because the supervisor is shutting down; applied so far: ${a.changes.join('; ') || 'nothing'}`);
    }
    await applyStep(step, a);
  }
  a.retired.forEach(closeSocket);
  // Unchanged sections: the same content, read from the new file.
  for (const w of t.watchers.values()) {
    const cfg = plan.next.watchers.get(w.name);
    if (cfg && !plan.steps.some((s) => s.kind === 'change-watcher' && s.config.name === w.name)) w.config = cfg;
  }
  t.config = plan.next;
  return a.changes;
}
