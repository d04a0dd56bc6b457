// A Request that costs nothing until the handler looks at it. Building a real undici Request
// (and its Headers and body stream) per request is the main cost of a naive fetch adapter, and
// most handlers only read method, url and a header or two. Those are answered from the source;
// anything else builds the real Request once and forwards to it. Reading the whole body
// (arrayBuffer/text/json/bytes) skips the web stream too: through undici's Request, a 4 KB body
// cost several times what the rest of the exchange did.

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

function buildHeaders(self: LazyRequest): Headers {
  let h = self[HEADERS];
  if (!h) {
    h = new Headers();
    for (const [name, value] of self[SOURCE].headerPairs()) h.append(name, value);
    self[HEADERS] = h;
  }
  return h;
}

function materialize(self: LazyRequest): Request {
  let real = self[REAL];
  if (!real) {
    const src = self[SOURCE];
    const hasBody = src.method !== 'GET' && src.method !== 'HEAD';
    const init: RequestInit & { duplex?: 'half' } = { method: src.method, headers: buildHeaders(self), signal: src.signal() };
    if (hasBody && !self[CONSUMED]) {
      const body = src.body();
      if (body) {
        init.body = body;
        init.duplex = 'half';
      }
    }
    real = new Request(src.url, init);
    self[REAL] = real;
  }
  return real;
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

let lazyProto: Record<PropertyKey, unknown> | undefined;

/**
 * The prototype of every lazy Request, built on first use: reading the global Request loads
 * undici (~10 MB), which workers that never see a fetch handler should not pay for.
 */
function prototype(): Record<PropertyKey, unknown> {
  if (lazyProto) return lazyProto;
  const proto: Record<PropertyKey, unknown> = Object.create(Request.prototype);

  Object.defineProperties(proto, {
    method: { get(this: LazyRequest) { return this[SOURCE].method; } },
    url: { get(this: LazyRequest) { return this[SOURCE].url; } },
    headers: { get(this: LazyRequest) { return this[REAL]?.headers ?? buildHeaders(this); } },
    signal: { get(this: LazyRequest) { return this[REAL]?.signal ?? this[SOURCE].signal(); } },
  });

  for (const [name, convert] of Object.entries(BODY_READERS)) {
    if (!(name in Request.prototype)) continue;
    Object.defineProperty(proto, name, {
      value(this: LazyRequest) {
        const bytes = readAll(this);
        if (bytes) return bytes.then(convert);
        return (materialize(this) as unknown as Record<string, () => Promise<unknown>>)[name]();
      },
    });
  }

  Object.defineProperty(proto, 'bodyUsed', {
    get(this: LazyRequest) {
      return this[CONSUMED] === true || (this[REAL]?.bodyUsed ?? false);
    },
  });

  // Everything else Request has (body, text(), json(), clone(), cache, …) goes to the real one.
  for (const key of Reflect.ownKeys(Request.prototype)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(proto, key)) continue;
    const desc = Reflect.getOwnPropertyDescriptor(Request.prototype, key);
    if (!desc) continue;
    if (typeof desc.value === 'function') {
      Object.defineProperty(proto, key, {
        value(this: LazyRequest, ...args: unknown[]) {
          const real = materialize(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return real[key as string].apply(real, args);
        },
      });
    } else if (desc.get) {
      Object.defineProperty(proto, key, {
        get(this: LazyRequest) { return (materialize(this) as unknown as Record<PropertyKey, unknown>)[key as string]; },
      });
    }
  }
  lazyProto = proto;
  return proto;
}

/** A `Request` (instanceof holds) backed by `source`, built for real only when needed. */
export function createLazyRequest(source: RequestSource): Request {
  const req = Object.create(prototype()) as LazyRequest;
  req[SOURCE] = source;
  return req as unknown as Request;
}
