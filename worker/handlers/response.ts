// A Response that defers the real (costly) undici Response until someone needs it, and
// `responseParts` that lets a backend write status, headers and a simple body directly.
// The worker installs FastResponse as globalThis.Response for fetch handlers unless
// --no-fast-response is given (announced in the start line; see README).

export type HeaderPairs = Array<[string, string]>;

export interface ResponseParts {
  status: number;
  statusText: string;
  headers: HeaderPairs;
  /** string/Uint8Array are written directly; a stream is pumped with backpressure. */
  body: string | Uint8Array | ReadableStream<Uint8Array> | null;
}

// Node defines Response (and the rest of undici: Request, Headers, ...) as a lazy global; the
// first read loads undici, ~10 MB of RSS. Nothing here reads it before a fetch handler needs it,
// so workers serving node-style or uws-native handlers never pay for it.
const ORIGINAL = Object.getOwnPropertyDescriptor(globalThis, 'Response');
let nativeClass: typeof Response | undefined;

/** undici's Response, loaded on first use without disturbing what globalThis.Response is now. */
function native(): typeof Response {
  if (!nativeClass) {
    const current = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    // Node's lazy getter replaces the global with the loaded class; put back what was there.
    nativeClass = (ORIGINAL?.get ? ORIGINAL.get.call(globalThis) : ORIGINAL?.value) as typeof Response;
    if (current) Object.defineProperty(globalThis, 'Response', current);
  }
  return nativeClass;
}

const BODY = Symbol('circus.body');
const INIT = Symbol('circus.init');
const REAL = Symbol('circus.realResponse');
const HEADERS = Symbol('circus.headers');

type SimpleBody = string | Uint8Array | null;

/**
 * The body as something written directly, or undefined when it needs the real Response
 * (streams, Blob, FormData, URLSearchParams). Buffers are viewed, not copied, as Uint8Array
 * bodies always were here: an app must not change a buffer it has handed to a Response.
 */
function simpleBody(body: unknown): SimpleBody | undefined {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

interface FastFields {
  [BODY]: SimpleBody;
  [INIT]: ResponseInit | undefined;
  [REAL]?: Response;
  [HEADERS]?: Headers;
}

export class FastResponse {
  declare [BODY]: SimpleBody;
  declare [INIT]: ResponseInit | undefined;
  declare [REAL]?: Response;
  declare [HEADERS]?: Headers;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const simple = simpleBody(body);
    if (simple !== undefined) {
      this[BODY] = simple;
      this[INIT] = init;
    } else {
      this[BODY] = null;
      this[INIT] = init;
      this[REAL] = new (native())(body, init);
    }
  }

  get status(): number {
    return this[REAL]?.status ?? this[INIT]?.status ?? 200;
  }

  get statusText(): string {
    return this[REAL]?.statusText ?? this[INIT]?.statusText ?? '';
  }

  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s <= 299;
  }

  get headers(): Headers {
    const real = this[REAL];
    if (real) return real.headers;
    let h = this[HEADERS];
    if (!h) {
      h = new Headers(this[INIT]?.headers);
      if (typeof this[BODY] === 'string' && !h.has('content-type')) h.set('content-type', 'text/plain;charset=UTF-8');
      this[HEADERS] = h;
    }
    return h;
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new FastResponse(JSON.stringify(data), { ...init, headers }) as unknown as Response;
  }

  static redirect(url: string | URL, status?: number): Response {
    return native().redirect(url, status);
  }

  static error(): Response {
    return native().error();
  }
}

function materialize(self: FastFields): Response {
  let real = self[REAL];
  if (!real) {
    const init = self[HEADERS] ? { ...self[INIT], headers: self[HEADERS] } : self[INIT];
    real = new (native())(self[BODY] as BodyInit | null, init);
    self[REAL] = real;
  }
  return real;
}

let wired = false;

/** FastResponse, made a subclass of undici's Response (instanceof holds) the first time it is needed. */
function fastResponseClass(): typeof FastResponse {
  if (wired) return FastResponse;
  wired = true;
  const Native = native();
  Object.setPrototypeOf(FastResponse.prototype, Native.prototype);
  Object.setPrototypeOf(FastResponse, Native);
  for (const key of Reflect.ownKeys(Native.prototype)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(FastResponse.prototype, key)) continue;
    const desc = Reflect.getOwnPropertyDescriptor(Native.prototype, key);
    if (!desc) continue;
    if (typeof desc.value === 'function') {
      Object.defineProperty(FastResponse.prototype, key, {
        value(this: FastFields, ...args: unknown[]) {
          const real = materialize(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return real[key as string].apply(real, args);
        },
      });
    } else if (desc.get) {
      Object.defineProperty(FastResponse.prototype, key, {
        get(this: FastFields) { return (materialize(this) as unknown as Record<PropertyKey, unknown>)[key as string]; },
      });
    }
  }
  return FastResponse;
}

function pairsOf(init: HeadersInit | undefined, out: HeaderPairs): void {
  if (!init) return;
  if (init instanceof Headers) {
    headersToPairs(init, out);
  } else if (Array.isArray(init)) {
    for (const [k, v] of init) out.push([k, v]);
  } else {
    for (const k of Object.keys(init)) out.push([k, (init as Record<string, string>)[k]]);
  }
}

function headersToPairs(h: Headers, out: HeaderPairs): void {
  // Set-Cookie must stay one header per cookie; everything else may be combined.
  h.forEach((v, k) => {
    if (k !== 'set-cookie') out.push([k, v]);
  });
  for (const c of h.getSetCookie()) out.push(['set-cookie', c]);
}

// undici keeps the body it was given in an internal state object; reading it back avoids
// pumping a stream for `new Response('text')` when FastResponse is not installed. Guarded:
// if the internals change shape we simply take the stream path.
let stateKey: symbol | null | undefined;

function nativeSimpleBody(r: Response): SimpleBody | undefined {
  const nativeStateKey = (stateKey ??= Object.getOwnPropertySymbols(new (native())('')).find((s) => s.description === 'state') ?? null);
  if (!nativeStateKey || r.bodyUsed) return undefined;
  const state = (r as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } | null }>)[nativeStateKey];
  const body = state?.body;
  if (body === null) return null;
  if (!body || body.stream?.locked) return undefined;
  const src = body.source;
  if (typeof src === 'string' || src instanceof Uint8Array) return src;
  return undefined;
}

/** Status, header pairs and body of any Response, without building what is not needed. */
export function responseParts(r: Response): ResponseParts {
  const f = r as unknown as FastFields;
  if (r instanceof FastResponse && !f[REAL]) {
    const headers: HeaderPairs = [];
    if (f[HEADERS]) headersToPairs(f[HEADERS], headers);
    else {
      pairsOf(f[INIT]?.headers, headers);
      if (typeof f[BODY] === 'string' && !headers.some(([k]) => k.toLowerCase() === 'content-type')) {
        headers.push(['content-type', 'text/plain;charset=UTF-8']);
      }
    }
    return { status: f[INIT]?.status ?? 200, statusText: f[INIT]?.statusText ?? '', headers, body: f[BODY] };
  }
  const real = f[REAL] ?? r;
  const headers: HeaderPairs = [];
  headersToPairs(real.headers, headers);
  const simple = nativeSimpleBody(real);
  return { status: real.status, statusText: real.statusText, headers, body: simple !== undefined ? simple : real.body };
}

/** True when `value` looks like a Response (native, FastResponse, or another realm's). */
export function isResponse(value: unknown): value is Response {
  return value instanceof native() || (typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && 'headers' in value);
}

/** Makes `new Response(...)` in app code build FastResponse. Returns an undo function. */
export function installFastResponse(): () => void {
  const prev = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  // An accessor, so that installing costs nothing until the app reads Response; an app that
  // assigns its own Response gets a plain value property, as it would without us.
  Object.defineProperty(globalThis, 'Response', {
    configurable: true,
    enumerable: false,
    get: () => fastResponseClass(),
    set: (value: unknown) => Object.defineProperty(globalThis, 'Response', { configurable: true, enumerable: false, writable: true, value }),
  });
  return () => {
    if (prev) Object.defineProperty(globalThis, 'Response', prev);
  };
}
