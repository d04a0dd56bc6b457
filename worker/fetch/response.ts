// A Response that defers the real (costly) undici Response until someone needs it, and
// `responseParts` that lets a backend write status, headers and a simple body directly.
// The worker installs FastResponse as globalThis.Response for fetch handlers unless
// --no-fast-response is given (fetch/globals.ts).
import { adoptNative, forwardKnown } from './lazy-members.js';

export type HeaderPairs = Array<[string, string]>;

export interface ResponseParts {
  status: number;
  statusText: string;
  headers: HeaderPairs;
  /** string/Uint8Array are written directly; a stream is pumped with backpressure. */
  body: string | Uint8Array | ReadableStream<Uint8Array> | null;
}

// Node defines Response (and the rest of undici: Request, Headers, ...) as a lazy global: on Node
// 20 an accessor whose first read loads undici (~5 MB of RSS per worker), on Node 22+ a V8 lazy
// data property that even Object.getOwnPropertyDescriptor loads (node:http loads undici there
// anyway). Nothing here looks at it before installFastResponse, and FastResponse stands alone
// until something needs the real class (a streamed or Blob body, res.headers, a body reader,
// clone): on Node 20 a fetch app that answers `new Response('text')` never loads undici.
let original: PropertyDescriptor | undefined;
let nativeClass: typeof Response | undefined;

/**
 * undici's Response, loaded on first use without disturbing what globalThis.Response is now;
 * FastResponse becomes its subclass then, so `fast instanceof NativeResponse` holds too.
 */
function native(): typeof Response {
  if (!nativeClass) {
    const current = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    const source = original ?? current;
    // Node 20's lazy getter replaces the global with the loaded class; put back what was there.
    nativeClass = (source?.get ? source.get.call(globalThis) : source?.value) as typeof Response;
    if (current) Object.defineProperty(globalThis, 'Response', current);
    wireToNative(nativeClass);
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

// Responses that may not carry a body (fetch spec "null body status").
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
// RFC 9110 reason-phrase: HTAB, SP, VCHAR, obs-text.
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What undici's constructor rejects about status and statusText, rejected the same way. */
function checkedInit(body: SimpleBody, init: ResponseInit): ResponseInit {
  let out = init;
  if (init.status !== undefined) {
    const status = Math.trunc(Number(init.status));
    if (!(status >= 200 && status <= 599)) throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
    if (body !== null && NULL_BODY_STATUS.has(status)) throw new TypeError(`Response constructor: Invalid response status code ${status}`);
    if (status !== init.status) out = { ...init, status };
  }
  if (init.statusText !== undefined && !REASON_PHRASE.test(String(init.statusText))) throw new TypeError('Invalid statusText');
  return out;
}

interface FastFields {
  [BODY]: SimpleBody;
  [INIT]: ResponseInit | undefined;
  [REAL]?: Response;
  [HEADERS]?: Headers;
}

class FastResponse {
  declare [BODY]: SimpleBody;
  declare [INIT]: ResponseInit | undefined;
  declare [REAL]?: Response;
  declare [HEADERS]?: Headers;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const simple = simpleBody(body);
    if (simple !== undefined) {
      this[BODY] = simple;
      this[INIT] = init && (init.status !== undefined || init.statusText !== undefined) ? checkedInit(simple, init) : init;
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

  /**
   * One object for the Response's life, as undici's: once read, it stays the headers of record
   * even after the real Response exists (which got a copy). A reference held across that used to
   * point at a copy nobody wrote out (and msw, tagging Headers objects, copied none: Hono's jwk tests).
   */
  get headers(): Headers {
    let h = this[HEADERS];
    if (h) return h;
    const real = this[REAL];
    if (real) return real.headers;
    h = new Headers(this[INIT]?.headers);
    if (typeof this[BODY] === 'string' && !h.has('content-type')) h.set('content-type', 'text/plain;charset=UTF-8');
    this[HEADERS] = h;
    return h;
  }

  /** undici's clone of the real Response, with the headers of record (see `headers`). */
  clone(): Response {
    const copy = materialize(this).clone();
    const h = this[HEADERS];
    if (h) {
      const pairs: HeaderPairs = [];
      headersToPairs(h, pairs);
      for (const name of [...copy.headers.keys()]) copy.headers.delete(name);
      for (const [name, value] of pairs) copy.headers.append(name, value);
    }
    return copy;
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable'); // as undici says
    const headers: HeaderPairs = [];
    pairsOf(init?.headers, headers);
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
    return new FastResponse(text, { ...init, headers }) as unknown as Response;
  }

  static redirect(url: string | URL, status?: number): Response {
    return native().redirect(url, status);
  }

  static error(): Response {
    return native().error();
  }

  /**
   * `x instanceof Response` in app code, where Response is FastResponse: true for FastResponses
   * and for undici's own (from fetch(), Response.error(), ...), without loading undici to ask.
   */
  static [Symbol.hasInstance](this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === FastResponse && Object.prototype.toString.call(value) === '[object Response]' && value instanceof native();
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
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

// Response's members in Node 20-24 that FastResponse does not answer itself; the rest of
// whatever undici has is added when it loads (wireToNative).
forwardKnown(FastResponse.prototype, ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'], ['body', 'bodyUsed', 'redirected', 'type', 'url'], materialize);

function wireToNative(Native: typeof Response): void {
  Object.setPrototypeOf(FastResponse, Native);
  adoptNative(FastResponse.prototype, Native.prototype, materialize);
}

function pairsOf(init: HeadersInit | undefined, out: HeaderPairs): void {
  if (!init) return;
  // Not `instanceof Headers`: reading the global would load undici for a plain object.
  if (typeof (init as Headers).getSetCookie === 'function') {
    headersToPairs(init as Headers, out);
  } else if (Symbol.iterator in init) {
    for (const pair of init as Iterable<[string, string]>) {
      if (pair.length !== 2) throw new TypeError('Headers constructor: expected name/value pair to be length 2, found ' + pair.length + '.');
      out.push([pair[0], pair[1]]);
    }
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

/**
 * One of ours (a FastResponse or a subclass). Not `instanceof FastResponse`: that is true for
 * undici's own Responses too (Symbol.hasInstance above), which carry none of our fields.
 */
function isFast(r: object): boolean {
  return BODY in r;
}

/** Status, header pairs and body of any Response, without building what is not needed. */
export function responseParts(r: Response): ResponseParts {
  const f = r as unknown as FastFields;
  if (isFast(r) && !f[REAL]) {
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
  headersToPairs((isFast(r) && f[HEADERS]) || real.headers, headers);
  const simple = nativeSimpleBody(real);
  return { status: real.status, statusText: real.statusText, headers, body: simple !== undefined ? simple : real.body };
}

/** True when `value` looks like a Response (native, FastResponse, or another realm's). */
export function isResponse(value: unknown): value is Response {
  // isFast first: `instanceof FastResponse` runs the Symbol.hasInstance above, in JS.
  if (typeof value === 'object' && value !== null && isFast(value)) return true;
  return value instanceof FastResponse || (typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && 'headers' in value);
}

/**
 * Makes `new Response(...)` in app code build FastResponse. Returns an undo function. On Node 22+
 * reading the descriptor loads undici, which node:http loads there anyway.
 */
export function installFastResponse(): () => void {
  const prev = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  original ??= prev;
  // Already loaded (Node 22+, or the app read it while being imported): wire now, so that its
  // class and FastResponse agree on instanceof from the first request.
  if (prev && !prev.get) native();
  // An accessor, so that installing costs nothing until the app reads Response; an app that
  // assigns its own Response gets a plain value property, as it would without us.
  Object.defineProperty(globalThis, 'Response', {
    configurable: true,
    enumerable: false,
    get: () => FastResponse,
    set: (value: unknown) => Object.defineProperty(globalThis, 'Response', { configurable: true, enumerable: false, writable: true, value }),
  });
  return () => {
    if (prev) Object.defineProperty(globalThis, 'Response', prev);
  };
}

/** True for a streamed body; not `instanceof ReadableStream`, whose global loads web streams. */
export function isStreamBody(body: ResponseParts['body']): body is ReadableStream<Uint8Array> {
  return body !== null && typeof body === 'object' && !(body instanceof Uint8Array);
}
