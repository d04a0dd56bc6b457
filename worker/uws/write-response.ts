// Writes a fetch Response (as ResponseParts) through the exchange, which owns the wire and its
// cork-size rule (safe-writer.ts). Here: what the Response may put on the wire at all (checked
// before anything is written), which framing it gets (no body, simple, chunked stream, stream
// of a declared length), and reading its stream. uWS writes its own Content-Length /
// Transfer-Encoding / Connection, so the app's are consumed, not copied.
import { isStreamBody, type ResponseParts } from '../fetch/response.js';
import { NO_BODY_STATUS } from '../fetch/wire.js';
import type { Exchange } from './exchange.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

interface Inspected {
  /** The app's Content-Length, if it gave one. */
  declared?: string;
  /** The app asked for Connection: close. */
  close: boolean;
}

/** Validates what uWS would copy verbatim onto the wire (a CR/LF here is header injection). */
function inspectHead(parts: ResponseParts): Inspected {
  const { status, statusText } = parts;
  if (!Number.isInteger(status) || status < 200 || status > 999) throw new RangeError(`response status ${status} is not a final HTTP status code`);
  if (statusText && BAD_VALUE.test(statusText)) throw new TypeError('response statusText contains CR, LF or NUL');
  const head: Inspected = { close: false };
  for (const [name, value] of parts.headers) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`response header ${name} contains CR, LF or NUL`);
    const lower = name.length === 14 || name.length === 10 ? name.toLowerCase() : '';
    if (lower === 'content-length') head.declared = value.trim();
    else if (lower === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) head.close = true;
  }
  return head;
}

function byteLength(body: string | Uint8Array | null): number {
  return body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/** The Content-Length a body-less answer reports: what a GET would have had (HEAD), none for 204/205. */
function lengthWithoutBody(parts: ResponseParts, head: Inspected): string | undefined {
  if (NO_BODY_STATUS.has(parts.status)) return parts.status === 304 ? head.declared : undefined;
  if (head.declared !== undefined) return head.declared;
  const body = parts.body;
  return isStreamBody(body) ? undefined : String(byteLength(body));
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return Buffer.from(value);
  throw new TypeError(`response body stream produced ${value === null ? 'null' : typeof value}, not bytes`);
}

async function pumpChunked(ex: Exchange, reader: ReadableStreamDefaultReader<unknown>, head: Inspected): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (!ex.writable) return;
    if (done) return ex.end(head.close);
    const wait = ex.write(toBytes(value));
    if (wait) {
      await wait;
      if (!ex.writable) return;
    }
  }
}

async function pumpSized(ex: Exchange, reader: ReadableStreamDefaultReader<unknown>, head: Inspected, total: number): Promise<void> {
  let sent = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (!ex.writable) return;
    if (done) {
      if (sent === 0 && total === 0) return ex.end(head.close);
      throw new Error(`response body ended after ${sent} of the ${total} bytes its Content-Length declared`);
    }
    let chunk = toBytes(value);
    if (sent + chunk.byteLength > total) chunk = chunk.subarray(0, total - sent);
    if (chunk.byteLength === 0) continue;
    sent += chunk.byteLength;
    let finished = ex.writeSized(chunk, total);
    if (typeof finished !== 'boolean') finished = await finished;
    if (finished) {
      reader.cancel().catch(() => {});
      return;
    }
    if (!ex.writable) return;
  }
}

async function writeStream(ex: Exchange, parts: ResponseParts, head: Inspected, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  ex.onAbort(() => void reader.cancel().catch(() => {}));
  const total = head.declared !== undefined && /^\d+$/.test(head.declared) ? Number(head.declared) : undefined;
  ex.head(parts);
  try {
    if (total === undefined) await pumpChunked(ex, reader, head);
    else await pumpSized(ex, reader, head, total);
  } catch (err) {
    reader.cancel(err).catch(() => {});
    throw err;
  }
}

/**
 * Writes the response; returns a promise only for bodies that go out as the client takes them.
 * Throws (or rejects) when the Response is unusable; the caller answers 500, or the exchange
 * cuts the connection once the head is out.
 */
export function writeResponse(ex: Exchange, parts: ResponseParts): void | Promise<void> {
  const head = inspectHead(parts);
  const body = parts.body;
  if (ex.isHead || NO_BODY_STATUS.has(parts.status)) {
    ex.sendWithoutBody(parts, lengthWithoutBody(parts, head), head.close);
    if (isStreamBody(body)) body.cancel().catch(() => {});
    return;
  }
  if (isStreamBody(body)) return writeStream(ex, parts, head, body);
  return ex.send(parts, body, head.close);
}
