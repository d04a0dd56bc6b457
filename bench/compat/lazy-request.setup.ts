// vitest setupFiles entry: FastResponse as the worker installs it, and a global Request whose
// constructor hands out the worker's lazy Request, so that a peer's test suite (Hono's) runs its
// framework code against the Request a fetch app gets in circus-worker. The worker never replaces
// `new Request()` for apps; this only emulates what arrives from the wire: a string or URL target
// with method, headers and a simple body. Anything else (a Request to copy, FormData, streams,
// other init fields) goes to the worker's Request global (undici's), which throws what it throws.
import { installFastResponse } from '../../worker/fetch/response.js';
import { createLazyRequest, installLazyRequest, type RequestSource } from '../../worker/fetch/request.js';

installFastResponse();
installLazyRequest();

// The class the worker makes globalThis.Request (undici's, also copying a lazy Request).
const Native = globalThis.Request;
const encoder = new TextEncoder();
const SIMPLE_INIT = new Set(['method', 'headers', 'body', 'signal']);
// fetch spec: these are upper-cased, every other method is kept as given.
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function bytesOf(body: unknown): Uint8Array | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body.slice();
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  return undefined;
}

function sourceFor(input: unknown, init: RequestInit | undefined): RequestSource | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined;
  if (init && Object.keys(init).some((k) => !SIMPLE_INIT.has(k) && (init as Record<string, unknown>)[k] !== undefined)) return undefined;
  let url: string;
  try {
    url = new URL(String(input)).href;
  } catch {
    return undefined; // relative or invalid: undici's constructor says why
  }
  const given = init?.method === undefined ? 'GET' : String(init.method);
  if (!TOKEN.test(given)) return undefined;
  const method = NORMALIZED.has(given.toUpperCase()) ? given.toUpperCase() : given;
  if (['CONNECT', 'TRACE', 'TRACK'].includes(method.toUpperCase())) return undefined;
  const bytes = bytesOf(init?.body);
  if (bytes === undefined || (bytes !== null && (method === 'GET' || method === 'HEAD'))) return undefined;
  const headers = new Headers(init?.headers);
  if (typeof init?.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  const pairs = [...headers];
  let controller: AbortController | undefined;
  return {
    method,
    url,
    headerPairs: () => pairs,
    body: () => (bytes === null ? null : new ReadableStream<Uint8Array>({ start(c) { c.enqueue(bytes); c.close(); } })),
    readAll: () => Promise.resolve(bytes ?? new Uint8Array(0)),
    signal: () => init?.signal ?? (controller ??= new AbortController()).signal,
  };
}

function LazyRequest(this: unknown, input: RequestInfo | URL, init?: RequestInit): Request {
  if (!new.target) throw new TypeError("Class constructor Request cannot be invoked without 'new'");
  const source = sourceFor(input, init);
  return source ? createLazyRequest(source) : new Native(input, init);
}
LazyRequest.prototype = Native.prototype;
Object.defineProperty(LazyRequest, Symbol.hasInstance, { value: (v: unknown) => v instanceof Native });
Object.setPrototypeOf(LazyRequest, Native);
Object.defineProperty(globalThis, 'Request', { configurable: true, writable: true, enumerable: false, value: LazyRequest });
