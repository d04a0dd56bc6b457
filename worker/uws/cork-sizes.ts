// The sizes behind SafeWriter's rule (safe-writer.ts): every write either fits an empty cork
// buffer of uWS 20.30 (16 KB) or goes through tryEnd().
const CORK_BUFFER = 16 * 1024;
/** Chunked pieces: a piece plus its chunk header always fits in an empty cork buffer. */
export const CORK_PIECE = CORK_BUFFER - 64;
/** Simple bodies above this go out with tryEnd + onWritable (leaves 8 KB for status and headers). */
const LARGE_BODY = CORK_BUFFER / 2;

/** Over LARGE_BODY bytes; a string's UTF-8 takes up to 3 bytes per UTF-16 unit, so count them only when that matters. */
export function isLarge(body: string | Uint8Array): boolean {
  if (typeof body !== 'string') return body.byteLength > LARGE_BODY;
  return body.length > LARGE_BODY || (body.length * 3 > LARGE_BODY && Buffer.byteLength(body) > LARGE_BODY);
}

export function bytesOf(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}
