// Canned replies the worker itself writes on node:http (400, 413, 500, health), and the request-body limit.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { LINGER_MS } from '../fetch/body-limit.js';
import type { HealthReply } from '../contract.js';

function reply(res: ServerResponse, status: number, text: string, close: boolean): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) };
  // HTTP/2 has neither Connection nor reason phrases (node warns about each): its stream just ends.
  if (res.req.httpVersionMajor === 2) return void res.writeHead(status, headers).end(text);
  if (close) headers.connection = 'close';
  // With the reason spelled out: a writeHead of the app's that threw half-way (an invalid header)
  // leaves its statusMessage behind ("500 OK").
  res.writeHead(status, STATUS_CODES[status], headers);
  res.end(text);
}

/** The worker's own health answer (--health-path); the app never sees the request. */
export function replyHealth(res: ServerResponse, h: HealthReply): void {
  res.writeHead(h.status, res.req.httpVersionMajor === 2 ? undefined : STATUS_CODES[h.status], { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(h.body)) });
  res.end(h.body);
}

/**
 * Closing a socket with unread request bytes makes the kernel answer with RST, which can destroy
 * the 413 before the client reads it. So: half-close, read and discard (never buffer) what is
 * still coming, and cut the connection after LINGER_MS at the latest.
 */
function lingerAndDiscard(req: IncomingMessage): void {
  // An HTTP/2 stream is ended by the response; the connection (other streams) is left alone.
  if (req.httpVersionMajor === 2) return void req.resume();
  const socket = req.socket;
  socket.destroySoon = function (this: typeof socket) {
    if (this.writable) this.end();
  };
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  req.resume();
}

/** 413 and close; the rest of the body is discarded as it arrives, never buffered. */
export function replyTooLarge(req: IncomingMessage, res: ServerResponse): void {
  reply(res, 413, 'Payload Too Large\n', true);
  lingerAndDiscard(req);
}

/** 400 and close: the request cannot be handed to the app (bad Host or target). */
export function replyBadRequest(res: ServerResponse): void {
  reply(res, 400, 'Bad Request\n', true);
}

export function replyServerError(res: ServerResponse): void {
  reply(res, 500, 'Internal Server Error\n', false);
}

/**
 * Two Host headers: RFC 9112 3.2 says 400, node:http serves them (with the first). A walk over
 * rawHeaders' names, no allocation.
 */
export function hasTwoHosts(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && (name === 'Host' || name.toLowerCase() === 'host') && ++hosts > 1) return true;
  }
  return false;
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
    // Past the limit chunks are dropped but reading goes on (returning false would stop the socket).
    if (tripped && chunk !== null) return true;
    if (chunk) {
      seen += (chunk as Buffer).length;
      if (seen > limit) {
        tripped = true;
        onExceeded();
        return true;
      }
    }
    return push.call(this, chunk, encoding);
  };
}
