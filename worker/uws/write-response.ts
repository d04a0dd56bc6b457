// Writes a fetch Response (as ResponseParts) to a uWS HttpResponse. Simple bodies go out in one
// cork. Streams go out chunk by chunk with backpressure: write() + onWritable for chunked
// bodies, tryEnd() + onWritable when the app declared a Content-Length. uWS writes its own
// Content-Length / Transfer-Encoding / Connection, so the app's are consumed, not copied.
import type { HttpResponse } from 'uWebSockets.js';
import { isStreamBody, type HeaderPairs, type ResponseParts } from '../fetch/response.js';
import { statusLine, type Exchange } from './exchange.js';

const NO_BODY_STATUS = new Set([204, 205, 304]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
// uWS 20.30 collects writes made inside cork() in a 16 KB buffer. A write that does not fit makes
// it flush that buffer first, and when the flush meets a full socket it returns without writing
// the new data at all: res.write() then loses a chunk of a chunked body (seen as a client parse
// error, "Expected LF after chunk data") and res.end() leaves the response unfinished. So every
// write below either fits in the cork buffer or goes through tryEnd(), which reports what it wrote.
const CORK_BUFFER = 16 * 1024;
/** Chunked pieces: a piece plus its chunk header always fits in an empty cork buffer. */
const CORK_PIECE = CORK_BUFFER - 64;
/** Simple bodies above this go out with tryEnd + onWritable (leaves 8 KB for status and headers). */
const LARGE_BODY = CORK_BUFFER / 2;

interface Head {
  line: string;
  /** The app's Content-Length, if it gave one. */
  declared?: string;
  /** The app asked for Connection: close. */
  close: boolean;
}

/** Validates what uWS would copy verbatim onto the wire (a CR/LF here is header injection). */
function inspectHead(parts: ResponseParts): Head {
  const { status, statusText } = parts;
  if (!Number.isInteger(status) || status < 200 || status > 999) throw new RangeError(`response status ${status} is not a final HTTP status code`);
  if (statusText && BAD_VALUE.test(statusText)) throw new TypeError('response statusText contains CR, LF or NUL');
  const head: Head = { line: statusLine(status, statusText), close: false };
  for (const [name, value] of parts.headers) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`response header ${name} contains CR, LF or NUL`);
    const lower = name.length === 14 || name.length === 10 ? name.toLowerCase() : '';
    if (lower === 'content-length') head.declared = value.trim();
    else if (lower === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) head.close = true;
  }
  return head;
}

function isManaged(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17 && n !== 10) return false;
  const lower = name.toLowerCase();
  return lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection';
}

function writeHead(res: HttpResponse, head: Head, headers: HeaderPairs): void {
  res.writeStatus(head.line);
  for (const [name, value] of headers) if (!isManaged(name)) res.writeHeader(name, value);
}

/** Over LARGE_BODY bytes; a string's UTF-8 takes up to 3 bytes per UTF-16 unit, so count them only when that matters. */
function isLarge(body: string | Uint8Array): boolean {
  if (typeof body !== 'string') return body.byteLength > LARGE_BODY;
  return body.length > LARGE_BODY || (body.length * 3 > LARGE_BODY && Buffer.byteLength(body) > LARGE_BODY);
}

function byteLength(body: string | Uint8Array | null): number {
  return body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/** Status, headers and no body: HEAD, 204/205/304. Keeps the length a HEAD would have had. */
function endWithoutBody(ex: Exchange, parts: ResponseParts, head: Head, length: string | undefined): void {
  const close = head.close || ex.mustClose;
  ex.started = true;
  ex.cork(() => {
    const res = ex.res;
    writeHead(res, head, parts.headers);
    if (length !== undefined) res.writeHeader('content-length', length);
    // endWithoutBody(_, true) would add Content-Length: 0 (wrong for 204/304); say it instead.
    if (close) res.writeHeader('connection', 'close');
    res.endWithoutBody();
  });
  ex.finish(parts.status);
}

function lengthWithoutBody(ex: Exchange, parts: ResponseParts, head: Head): string | undefined {
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

async function pumpChunked(ex: Exchange, reader: ReadableStreamDefaultReader<unknown>, parts: ResponseParts, head: Head): Promise<void> {
  let first = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (!ex.writable) return;
    if (done) {
      ex.cork(() => {
        if (first) writeHead(ex.res, head, parts.headers);
        ex.res.end(undefined, head.close || ex.mustClose);
      });
      ex.started = true;
      return ex.finish(parts.status);
    }
    const chunk = toBytes(value);
    if (chunk.byteLength === 0) continue; // an empty chunk would end a chunked body early
    if (first) {
      // The head in a cork of its own, so that the first piece finds the cork buffer empty.
      ex.cork(() => writeHead(ex.res, head, parts.headers));
      first = false;
      ex.started = true;
    }
    for (let at = 0; at < chunk.byteLength; at += CORK_PIECE) {
      const piece = chunk.subarray(at, at + CORK_PIECE);
      let ok = true;
      ex.cork(() => {
        ok = ex.res.write(piece);
      });
      if (!ok) {
        await ex.whenWritable(() => true);
        if (!ex.writable) return;
      }
    }
  }
}

async function pumpSized(ex: Exchange, reader: ReadableStreamDefaultReader<unknown>, parts: ResponseParts, head: Head, total: number): Promise<void> {
  let first = true;
  let sent = 0;
  const res = ex.res;
  for (;;) {
    const { done, value } = await reader.read();
    if (!ex.writable) return;
    if (done) {
      if (first && total === 0) {
        ex.started = true;
        ex.cork(() => {
          writeHead(res, head, parts.headers);
          res.end(undefined, head.close || ex.mustClose);
        });
        return ex.finish(parts.status);
      }
      throw new Error(`response body ended after ${sent} of the ${total} bytes its Content-Length declared`);
    }
    let chunk = toBytes(value);
    if (sent + chunk.byteLength > total) chunk = chunk.subarray(0, total - sent);
    if (chunk.byteLength === 0) continue;
    let ok = false;
    let finished = false;
    let start = 0;
    ex.cork(() => {
      if (first) writeHead(res, head, parts.headers);
      start = res.getWriteOffset();
      [ok, finished] = res.tryEnd(chunk, total);
    });
    first = false;
    ex.started = true;
    sent += chunk.byteLength;
    if (!ok && !finished) {
      await ex.whenWritable((offset) => {
        [ok, finished] = res.tryEnd(chunk.subarray(offset - start), total);
        return ok || finished;
      });
      if (!ex.writable && !finished) return;
    }
    if (finished) {
      ex.finish(parts.status);
      reader.cancel().catch(() => {});
      return;
    }
  }
}

/**
 * A large simple body goes out with tryEnd + onWritable instead of end(): uWS would otherwise
 * copy what the socket cannot take into its own buffer, and the exchange would count as done
 * (so a drain could close the connection) before the client had it.
 */
async function writeLarge(ex: Exchange, parts: ResponseParts, head: Head, bytes: Uint8Array): Promise<void> {
  const res = ex.res;
  const total = bytes.byteLength;
  let finished = false;
  let start = 0;
  ex.started = true;
  ex.cork(() => {
    writeHead(res, head, parts.headers);
    start = res.getWriteOffset();
    finished = res.tryEnd(bytes, total)[1];
  });
  if (!finished) {
    await ex.whenWritable((offset) => {
      const [ok, done] = res.tryEnd(bytes.subarray(offset - start), total);
      finished = done;
      return ok || done;
    });
  }
  if (finished) ex.finish(parts.status);
}

async function writeStream(ex: Exchange, parts: ResponseParts, head: Head, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  ex.onAbort(() => void reader.cancel().catch(() => {}));
  const total = head.declared !== undefined && /^\d+$/.test(head.declared) ? Number(head.declared) : undefined;
  try {
    if (total === undefined) await pumpChunked(ex, reader, parts, head);
    else await pumpSized(ex, reader, parts, head, total);
  } catch (err) {
    reader.cancel(err).catch(() => {});
    throw err;
  }
}

/**
 * Writes the response; returns a promise only for streamed bodies. Throws (or rejects) when
 * the Response is unusable; the caller answers 500 or cuts the connection (Exchange.started).
 */
export function writeResponse(ex: Exchange, parts: ResponseParts): void | Promise<void> {
  const head = inspectHead(parts);
  const body = parts.body;
  if (ex.isHead || NO_BODY_STATUS.has(parts.status)) {
    endWithoutBody(ex, parts, head, lengthWithoutBody(ex, parts, head));
    if (isStreamBody(body)) body.cancel().catch(() => {});
    return;
  }
  if (isStreamBody(body)) return writeStream(ex, parts, head, body);
  if (body !== null && isLarge(body)) return writeLarge(ex, parts, head, typeof body === 'string' ? Buffer.from(body) : body);
  ex.started = true;
  ex.cork(() => {
    writeHead(ex.res, head, parts.headers);
    ex.res.end(body ?? undefined, head.close || ex.mustClose);
  });
  ex.finish(parts.status);
}
