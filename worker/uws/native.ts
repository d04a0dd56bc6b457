// uws-native handlers get the raw uWS app. The worker still has to count requests
// (--max-requests), know which are in flight (drain) and close connections while draining, so
// route handlers are wrapped as they are registered, and the HttpResponse methods that end a
// response are wrapped once on their shared prototype. A response that came through a wrapped
// route carries a record naming its app's tracker; the wrapped methods act only on such
// responses, so other responses (another app instance's, one never tracked) are not affected,
// and no state lives in this module.
import type { HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { SafeWriter } from './safe-writer.js';

const TRACKED = Symbol('circus.tracked');
const PATCHED = Symbol('circus.patched');
const ROUTE_METHODS = ['get', 'post', 'options', 'del', 'patch', 'put', 'head', 'connect', 'trace', 'any'] as const;

export interface NativeTracker {
  begin(): void;
  /** `status` is what writeStatus said (200 if never called), 0 when the client went away. */
  end(method: string, url: string, status: number, t0: number): void;
  readonly draining: boolean;
  /** The access log is on: end() needs the method and URL. */
  readonly logs: boolean;
  /** A WebSocket of the app's own ws() routes opened / closed (a drain closes them with 1001). */
  opened?(ws: WebSocket<unknown>): void;
  closed?(ws: WebSocket<unknown>): void;
  /** Whether to take each request's start time (access log or metrics). */
  readonly timed: boolean;
}

interface Pending {
  tracker: NativeTracker;
  method: string;
  url: string;
  status: number;
  t0: number;
}

type Tracked = HttpResponse & { [TRACKED]?: Pending };
type Fn = (...args: any[]) => any;

function settle(res: Tracked, status?: number): void {
  const rec = res[TRACKED];
  if (!rec) return;
  res[TRACKED] = undefined;
  rec.tracker.end(rec.method, rec.url, status ?? rec.status, rec.t0);
}

/** Wraps end/tryEnd/endWithoutBody/close/upgrade/onAborted/writeStatus on the shared prototype. */
function patchPrototype(proto: object): void {
  const p = proto as unknown as { [k: string]: Fn } & { [PATCHED]?: true };
  if (p[PATCHED]) return;
  p[PATCHED] = true;
  const { end, endWithoutBody, tryEnd, close, upgrade, onAborted, writeStatus } = p;
  p.end = function (this: Tracked, body?: unknown, closeConnection?: boolean) {
    const out = end.call(this, body, closeConnection || (this[TRACKED]?.tracker.draining ?? false));
    settle(this);
    return out;
  };
  p.endWithoutBody = function (this: Tracked, length?: number, closeConnection?: boolean) {
    const out = length === undefined && closeConnection === undefined ? endWithoutBody.call(this) : endWithoutBody.call(this, length, closeConnection);
    settle(this);
    return out;
  };
  p.tryEnd = function (this: Tracked, chunk: unknown, total: number) {
    const out = tryEnd.call(this, chunk, total) as [boolean, boolean];
    if (out[1]) settle(this);
    return out;
  };
  p.close = function (this: Tracked) {
    settle(this, 0);
    return close.call(this);
  };
  p.upgrade = function (this: Tracked, ...args: unknown[]) {
    const out = upgrade.apply(this, args);
    settle(this, 101);
    return out;
  };
  p.onAborted = function (this: Tracked, handler: () => void) {
    const res = this;
    return onAborted.call(this, () => {
      settle(res, 0);
      handler();
    });
  };
  p.writeStatus = function (this: Tracked, status: unknown) {
    const rec = this[TRACKED];
    if (rec) rec.status = parseInt(String(status), 10) || rec.status;
    return writeStatus.call(this, status);
  };
}

function withQuery(path: string, query: string | undefined): string {
  return query ? `${path}?${query}` : path;
}

function wrapRoute(handler: Fn, t: NativeTracker): Fn {
  return (res: Tracked, req: { getCaseSensitiveMethod(): string; getUrl(): string; getQuery(): string | undefined }, ...rest: unknown[]) => {
    patchPrototype(Object.getPrototypeOf(res));
    res[TRACKED] = t.logs
      ? { tracker: t, method: req.getCaseSensitiveMethod(), url: withQuery(req.getUrl(), req.getQuery()), status: 200, t0: performance.now() }
      : { tracker: t, method: '', url: '', status: 200, t0: t.timed ? performance.now() : 0 };
    t.begin();
    return handler(res, req, ...rest); // a ws() upgrade handler also gets the socket context
  };
}

/** The second argument of a uws-native app's `uws(app, circus)`. */
export interface NativeTools {
  /**
   * The worker's own writer for `res` (the one fetch handlers go through), which never loses a
   * write to uWS 20.30's cork-buffer defect. Make it in the route handler before any other use
   * of `res`; afterwards `res.onAborted(fn)` adds `fn` instead of replacing the writer's.
   */
  writer(res: HttpResponse): SafeWriter;
}

export const nativeTools: NativeTools = {
  writer(res) {
    const writer = new SafeWriter(res);
    // uWS keeps one abort handler per response; the writer needs its own to stop writing.
    Object.defineProperty(res, 'onAborted', {
      configurable: true,
      value: (fn: () => void) => {
        writer.onAbort(fn);
        return res;
      },
    });
    return writer;
  },
};

/**
 * The app's ws() routes: an upgrade counts as a request (through its upgrade handler when it has
 * one, else at open), and every socket is known to the tracker until it closes. A socket opened
 * while draining is closed with 1001 at once.
 */
function wrapBehavior(pattern: string, behavior: WebSocketBehavior<unknown>, t: NativeTracker): WebSocketBehavior<unknown> {
  const { open, close, upgrade } = behavior;
  return {
    ...behavior,
    upgrade: typeof upgrade === 'function' ? (wrapRoute(upgrade, t) as typeof upgrade) : undefined,
    open: (ws) => {
      if (!upgrade) {
        t.begin();
        t.end('GET', pattern, 101, performance.now());
      }
      t.opened?.(ws);
      if (t.draining) return ws.end(1001, 'going away');
      return open?.(ws);
    },
    close: (ws, code, message) => {
      t.closed?.(ws);
      return close?.(ws, code, message);
    },
  };
}

/** Makes `app`'s route registration count and track what it serves. Returns the same app. */
export function trackNativeApp(app: TemplatedApp, t: NativeTracker): TemplatedApp {
  const a = app as unknown as { [k: string]: Fn };
  const ws = a.ws;
  if (typeof ws === 'function') {
    a.ws = function (this: unknown, pattern: string, behavior: WebSocketBehavior<unknown>) {
      return ws.call(app, pattern, behavior && typeof behavior === 'object' ? wrapBehavior(pattern, behavior, t) : behavior);
    };
  }
  for (const name of ROUTE_METHODS) {
    const register = a[name];
    if (typeof register !== 'function') continue;
    a[name] = function (this: unknown, pattern: unknown, handler: Fn) {
      return register.call(app, pattern, typeof handler === 'function' ? wrapRoute(handler, t) : handler);
    };
  }
  return app;
}
