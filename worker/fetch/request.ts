// A Request that costs nothing until the handler looks at it. Building a real undici Request
// (and its Headers and body stream) per request is the main cost of a naive fetch adapter, and
// most handlers only read method, url and a header or two. Those are answered from the source;
// anything else builds the real Request once and forwards to it. Reading the whole body
// (arrayBuffer/text/json/bytes) skips the web stream too: through undici's Request, a 4 KB body
// cost several times what the rest of the exchange did.
import { adoptNative, forwardKnown } from './lazy-members.js';
import type { UpgradeOptions } from './websocket-options.js';

export interface RequestSource {
  readonly method: string;
  /** Absolute URL (scheme://host/path?query). */
  readonly url: string;
  /** Header pairs as received, names lower-case or not. */
  headerPairs(): Iterable<[string, string]>;
  /** The body as a web stream, called at most once, only for methods that may carry one. */
  body(): ReadableStream<Uint8Array> | null;
  /** Signal aborted when the client goes away before the response is done. */
  signal(): AbortSignal;
  /**
   * The whole body in one fresh buffer (empty when there is none), read straight from the
   * connection with --max-body enforced; called at most once, and then body() never is.
   */
  readAll(): Promise<Uint8Array>;
  /**
   * Present only on a request that asks for a WebSocket when the app has a websocket handler:
   * completes the handshake (server.upgrade), true when it did.
   */
  upgrade?(options: UpgradeOptions): boolean;
  /** The client's address (server.requestIP), null once the connection is gone. */
  remote?(): RemoteInfo | null;
}

export interface RemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

const SOURCE = Symbol('circus.requestSource');
const REAL = Symbol('circus.realRequest');
const HEADERS = Symbol('circus.headers');
const CONSUMED = Symbol('circus.bodyConsumed');

interface LazyRequest {
  [SOURCE]: RequestSource;
  [REAL]?: Request;
  [HEADERS]?: Headers;
  /** The body was read with readAll(): it is gone from the source. */
  [CONSUMED]?: boolean;
}

function headersOf(src: RequestSource): Headers {
  const h = new Headers();
  for (const [name, value] of src.headerPairs()) h.append(name, value);
  return h;
}

function buildHeaders(self: LazyRequest): Headers {
  return (self[HEADERS] ??= headersOf(self[SOURCE]));
}

/** A real Request for `src`; `withBody` false once the body was read straight from the source. */
function realRequest(src: RequestSource, headers: Headers, withBody: boolean): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: src.method, headers, signal: src.signal() };
  if (withBody && src.method !== 'GET' && src.method !== 'HEAD') {
    const body = src.body();
    if (body) {
      init.body = body;
      init.duplex = 'half';
    }
  }
  return new (nativeRequest ?? Request)(src.url, init);
}

function materialize(self: LazyRequest): Request {
  return (self[REAL] ??= realRequest(self[SOURCE], buildHeaders(self), !self[CONSUMED]));
}

const decoder = new TextDecoder();

/**
 * `total` bytes of `chunks` in one fresh buffer, for RequestSource.readAll(). Not Buffer.concat:
 * it serves small results from Node's shared pool, and arrayBuffer() hands the buffer to the app.
 */
export function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The body straight from the source, unless the real Request exists (then it owns the body). */
function readAll(self: LazyRequest): Promise<Uint8Array> | undefined {
  if (self[REAL]) return undefined;
  if (self[CONSUMED]) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
  self[CONSUMED] = true;
  return self[SOURCE].readAll();
}

/** Whole-body readers with the same results as Request's own (text() drops a UTF-8 BOM, as undici does). */
const BODY_READERS: Record<string, (bytes: Uint8Array) => unknown> = {
  arrayBuffer: (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer),
  bytes: (b) => b,
  text: (b) => decoder.decode(b),
  json: (b) => JSON.parse(decoder.decode(b)),
};

/**
 * The prototype of every lazy Request. It stands alone until undici's Request is loaded (reading
 * the global loads undici, ~5 MB of RSS, which a handler that reads only method, url and the
 * body should not pay for); then it becomes a child of Request.prototype (wireToNative).
 */
const lazyProto: Record<PropertyKey, unknown> = Object.create(Object.prototype);

Object.defineProperties(lazyProto, {
  method: { get(this: LazyRequest) { return this[SOURCE].method; } },
  url: { get(this: LazyRequest) { return this[SOURCE].url; } },
  headers: { get(this: LazyRequest) { return this[REAL]?.headers ?? buildHeaders(this); } },
  signal: { get(this: LazyRequest) { return this[REAL]?.signal ?? this[SOURCE].signal(); } },
  bodyUsed: { get(this: LazyRequest) { return this[CONSUMED] === true || (this[REAL]?.bodyUsed ?? false); } },
  [Symbol.toStringTag]: { get: () => 'Request' },
});

for (const [name, convert] of Object.entries(BODY_READERS)) {
  Object.defineProperty(lazyProto, name, {
    configurable: true,
    value(this: LazyRequest) {
      const bytes = readAll(this);
      if (bytes) return bytes.then(convert);
      return (materialize(this) as unknown as Record<string, () => Promise<unknown>>)[name]();
    },
  });
}

// Request's other members in Node 20-24; whatever else undici has is added when it loads.
forwardKnown(
  lazyProto,
  ['blob', 'clone', 'formData'],
  ['body', 'cache', 'credentials', 'destination', 'duplex', 'integrity', 'keepalive', 'mode', 'redirect', 'referrer', 'referrerPolicy'],
  materialize,
);

let nativeRequest: typeof Request | undefined;
/** What globalThis.Request becomes: undici's class, also accepting a lazy Request to copy. */
let acceptingClass: typeof Request | undefined;

function isLazy(value: unknown): value is LazyRequest {
  return typeof value === 'object' && value !== null && SOURCE in value;
}

/**
 * undici's Request, except that `new Request(lazy, init)` copies the real Request behind a lazy
 * one: undici reads its own internal state from a Request argument, which a lazy Request does not
 * have (it threw "Cannot read properties of undefined"; Hono's bodyLimit and methodOverride
 * middleware and app.mount() copy the incoming Request that way). Every undici Request stays
 * `instanceof Request`.
 */
function acceptingLazy(Native: typeof Request): typeof Request {
  return class Request extends Native {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(isLazy(input) ? materialize(input) : input, init);
    }

    static [Symbol.hasInstance](this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
      return Function.prototype[Symbol.hasInstance].call(this, value) || (this === acceptingClass && value instanceof Native);
    }
  };
}

function wireToNative(Native: typeof Request): typeof Request {
  nativeRequest = Native;
  adoptNative(lazyProto, Native.prototype, materialize);
  return (acceptingClass = acceptingLazy(Native));
}

const VALUE = { configurable: true, writable: true };

/**
 * `fetch(lazyRequest)` (forwarding the incoming request) fails inside undici for the same reason
 * as `new Request(lazy)`: fetch() is wrapped to hand undici the real Request. Node's own fetch
 * global loads undici on its first call, so wrapping it loads nothing.
 */
function installFetchGlobal(): () => void {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!desc || (!desc.get && typeof desc.value !== 'function')) return () => {};
  let nodeFetch: typeof fetch | undefined;
  const fetchLazyToo = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    nodeFetch ??= (desc.get ? desc.get.call(globalThis) : desc.value) as typeof fetch;
    return nodeFetch(isLazy(input) ? materialize(input) : input, init);
  };
  Object.defineProperty(globalThis, 'fetch', { ...VALUE, enumerable: desc.enumerable, value: fetchLazyToo });
  return () => Object.defineProperty(globalThis, 'fetch', desc);
}

/**
 * Makes globalThis.Request the class above without loading undici up front (~5 MB of RSS on Node
 * 20): the first read of the global (by the app, or by materialize) loads it, wires the lazy
 * prototype (so `lazy instanceof Request` holds) and replaces the accessor with the class. A
 * global that is already a plain value (undici loaded: Node 22+, or the app's own) is wired at
 * once. fetch() gets the same tolerance. Returns an undo function. Announced in the start line
 * (request=lazy); --no-lazy-request skips it.
 */
export function installLazyRequest(): () => void {
  const undoFetch = installFetchGlobal();
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'Request');
  const undo = () => {
    if (desc) Object.defineProperty(globalThis, 'Request', desc);
    undoFetch();
  };
  if (!desc?.get) {
    if (typeof desc?.value === 'function') {
      const value = nativeRequest ? acceptingClass : wireToNative(desc.value as typeof Request);
      Object.defineProperty(globalThis, 'Request', { ...VALUE, enumerable: desc.enumerable, value });
    }
    return undo;
  }
  const nodeGetter = desc.get;
  Object.defineProperty(globalThis, 'Request', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      const value = nativeRequest ? acceptingClass : wireToNative(nodeGetter.call(globalThis) as typeof Request);
      Object.defineProperty(globalThis, 'Request', { ...VALUE, enumerable: desc.enumerable, value });
      return value;
    },
    set(value: unknown) {
      Object.defineProperty(globalThis, 'Request', { ...VALUE, enumerable: desc.enumerable, value });
    },
  });
  return undo;
}

/** A `Request` (instanceof holds once installLazyRequest ran) backed by `source`, built for real only when needed. */
export function createLazyRequest(source: RequestSource): Request {
  const req = Object.create(lazyProto) as LazyRequest;
  req[SOURCE] = source;
  return req as unknown as Request;
}

/** How a fetch adapter makes the Request it hands the app. */
export type NewRequest = (source: RequestSource) => Request;

/** The lazy Request, or undici's (--no-lazy-request). */
export function requestMaker(lazy: boolean): NewRequest {
  return lazy ? createLazyRequest : createNativeRequest;
}

/** undici's own Request for `source`, built at once (--no-lazy-request). */
function createNativeRequest(source: RequestSource): Request {
  const req = realRequest(source, headersOf(source), true);
  nativeSources.set(req, source);
  return req;
}

/** Sources of undici Requests made with --no-lazy-request (a lazy one carries its own). */
const nativeSources = new WeakMap<Request, RequestSource>();

/** The source behind a Request the worker made (undefined for any other Request). */
export function requestSourceOf(request: unknown): RequestSource | undefined {
  return (request as Partial<LazyRequest> | null)?.[SOURCE] ?? nativeSources.get(request as Request);
}
