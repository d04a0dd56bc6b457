// What reloadconfig has to do: compare two configs section by section.
import type { CircusConfig, SocketConfig, WatcherConfig } from './types.js';

export interface ConfigDiff {
  socketsAdded: SocketConfig[];
  socketsRemoved: string[];
  socketsChanged: SocketConfig[];
  watchersAdded: WatcherConfig[];
  watchersRemoved: string[];
  /** Changed in anything but numprocesses, or using a changed socket: needs a reload. */
  watchersChanged: WatcherConfig[];
  /** Only numprocesses differs. */
  watchersResized: WatcherConfig[];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffConfigs(prev: CircusConfig, next: CircusConfig): ConfigDiff {
  const socketsChanged = [...next.sockets.values()].filter((s) => prev.sockets.has(s.name) && !same(prev.sockets.get(s.name), s));
  const changedNames = new Set(socketsChanged.map((s) => s.name));
  const d: ConfigDiff = {
    socketsAdded: [...next.sockets.values()].filter((s) => !prev.sockets.has(s.name)),
    socketsRemoved: [...prev.sockets.keys()].filter((n) => !next.sockets.has(n)),
    socketsChanged,
    watchersAdded: [...next.watchers.values()].filter((w) => !prev.watchers.has(w.name)),
    watchersRemoved: [...prev.watchers.keys()].filter((n) => !next.watchers.has(n)),
    watchersChanged: [],
    watchersResized: [],
  };
  for (const w of next.watchers.values()) {
    const old = prev.watchers.get(w.name);
    if (!old) continue;
    const usesChanged = w.sockets.some((s) => changedNames.has(s));
    if (usesChanged || !same({ ...old, numprocesses: 0 }, { ...w, numprocesses: 0 })) d.watchersChanged.push(w);
    else if (old.numprocesses !== w.numprocesses) d.watchersResized.push(w);
  }
  return d;
}

export function sameAddress(a: SocketConfig, b: SocketConfig): boolean {
  return a.family === b.family && a.host === b.host && a.port === b.port && a.path === b.path;
}
