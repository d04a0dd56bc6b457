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

function wireToNative(Native: typeof Request): void {
  nativeRequest = Native;
  adoptNative(lazyProto, Native.prototype, materialize);
}

/**
 * Makes `lazyRequest instanceof Request` hold without loading undici up front: the first read
 * of globalThis.Request (by the app, or by materialize) loads it and wires the lazy prototype.
 * A Request global that is already a plain value (undici loaded, or the app's own) is wired now.
 * Returns an undo function. Announced in the start line (request=lazy); --no-lazy-request skips it.
 */
export function installLazyRequest(): () => void {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'Request');
  const undo = () => {
    if (desc) Object.defineProperty(globalThis, 'Request', desc);
  };
  if (!desc?.get) {
    if (typeof desc?.value === 'function') wireToNative(desc.value as typeof Request);
    return undo;
  }
  const nodeGetter = desc.get;
  Object.defineProperty(globalThis, 'Request', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      const Native = nodeGetter.call(globalThis) as typeof Request;
      Object.defineProperty(globalThis, 'Request', { configurable: true, enumerable: desc.enumerable, writable: true, value: Native });
      if (!nativeRequest) wireToNative(Native);
      return Native;
    },
    set(value: unknown) {
      Object.defineProperty(globalThis, 'Request', { configurable: true, enumerable: desc.enumerable, writable: true, value });
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
export function createNativeRequest(source: RequestSource): Request {
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
