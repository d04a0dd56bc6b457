// Canned replies the worker itself writes on node:http (413, 500), and the request-body limit.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  readonly code = 'EBODYTOOLARGE';
  constructor(limit: number) {
    super(`request body exceeds --max-body (${limit} bytes)`);
  }
}

function reply(res: ServerResponse, status: number, text: string, close: boolean): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

/** 413 and close: the rest of the body is never read (so it is never buffered). */
export function replyTooLarge(res: ServerResponse): void {
  reply(res, 413, 'Payload Too Large\n', true);
}

export function replyServerError(res: ServerResponse): void {
  reply(res, 500, 'Internal Server Error\n', false);
}

/** True when the declared Content-Length already exceeds the limit. */
export function declaresTooLarge(req: IncomingMessage, limit: number): boolean {
  const cl = req.headers['content-length'];
  return cl !== undefined && Number(cl) > limit;
}

/**
 * Counts body bytes as the parser hands them over (chunked bodies have no declared length) and
 * calls `onExceeded` once the limit is passed. Hooks `push` on this one request so it works
 * whichever way the app consumes the stream.
 */
export function limitBody(req: IncomingMessage, limit: number, onExceeded: () => void): void {
  let seen = 0;
  let tripped = false;
  const push = req.push;
  req.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (tripped) return false;
    if (chunk) {
      seen += (chunk as Buffer).length;
      if (seen > limit) {
        tripped = true;
        onExceeded();
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}
