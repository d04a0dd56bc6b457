// Web globals that code written for Bun uses around WebSockets (hono/bun's `websocket` builds
// CloseEvent, Event and MessageEvent) but that Node lacks: CloseEvent is global only from Node 23.
// Installed where missing, never replacing one Node has.

interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

/** The WHATWG CloseEvent: an Event with the close code, reason and whether the close was clean. */
class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }

  get [Symbol.toStringTag](): string {
    return 'CloseEvent';
  }
}

/** Defines the missing ones; returns the undo. */
export function installWebSocketGlobals(): () => void {
  if (typeof (globalThis as Record<string, unknown>).CloseEvent === 'function') return () => {};
  Object.defineProperty(globalThis, 'CloseEvent', { configurable: true, writable: true, enumerable: false, value: CloseEvent });
  return () => void delete (globalThis as { CloseEvent?: unknown }).CloseEvent;
}

/**
 * Runs `load` (the app's import) with a placeholder `Bun` global when there is none, removed
 * again afterwards. hono/bun, which Bun apps import for upgradeWebSocket, reads `Bun.write` when
 * it loads (for its SSG helper) and fails on Node without it. Every member of the placeholder is a
 * function that throws saying so; once the app has loaded, `typeof Bun` is 'undefined' again, so
 * runtime checks still see Node.
 */
export async function withBunPlaceholder<T>(load: () => Promise<T>): Promise<T> {
  if ('Bun' in globalThis) return load();
  const placeholder = new Proxy(Object.create(null) as object, {
    get: (_target, key) =>
      typeof key === 'symbol'
        ? undefined
        : () => {
            throw new Error(`Bun.${key} is not available: this app runs on Node (circus-worker)`);
          },
  });
  Object.defineProperty(globalThis, 'Bun', { configurable: true, writable: true, value: placeholder });
  try {
    return await load();
  } finally {
    delete (globalThis as { Bun?: unknown }).Bun;
  }
}
