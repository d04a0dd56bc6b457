// Health for load balancers: GET /health (every watcher that should run) and /health/NAME. 200
// while each has at least one READY process and the supervisor is not stopping; 503 otherwise,
// from the first moment of a stop (the stop_delay window), so a load balancer moves away while
// the workers still serve. The body is one line of JSON saying why.
import { json, type HttpAnswer } from './http-answer.js';
import type { Watcher } from '../run/watcher.js';

export interface HealthView {
  /** True from the first moment of a stop (SIGTERM, quit), stop_delay included. */
  readonly stopping: boolean;
  readonly watchers: ReadonlyMap<string, Watcher>;
}

interface WatcherHealth {
  state: string;
  ready: number;
  numprocesses: number;
}

function watcherHealth(w: Watcher): WatcherHealth {
  // READY: running after READY=1 (or warmup_delay for commands that never notify), not draining.
  const ready = w.live.filter((p) => p.state === 'running').length;
  return { state: w.state, ready, numprocesses: w.config.numprocesses };
}

const healthy = (h: WatcherHealth) => h.ready > 0 && h.state === 'active';

/** `name` undefined: every watcher not stopped on purpose and meant to run processes. */
export function health(v: HealthView, name?: string): HttpAnswer {
  if (name !== undefined && !v.watchers.has(name)) {
    return json(404, { status: 'error', reason: `no watcher named "${name}" (watchers: ${[...v.watchers.keys()].join(', ') || 'none'})` });
  }
  const chosen = name !== undefined ? [v.watchers.get(name)!] : [...v.watchers.values()].filter((w) => w.state !== 'stopped' && w.config.numprocesses > 0);
  const watchers = Object.fromEntries(chosen.map((w) => [w.name, watcherHealth(w)]));
  if (v.stopping) return json(503, { status: 'unavailable', reason: 'the supervisor is stopping', watchers });
  if (!chosen.length) return json(503, { status: 'unavailable', reason: 'no watcher is running', watchers });
  const bad = Object.entries(watchers).filter(([, h]) => !healthy(h));
  if (bad.length) {
    const reason = bad.map(([n, h]) => `${n}: ${h.state}, ${h.ready} of ${h.numprocesses} processes ready`).join('; ');
    return json(503, { status: 'unavailable', reason, watchers });
  }
  return json(200, { status: 'ok', watchers });
}
