// fetch-style handlers over node:http. The Request is lazy (see fetch/request.ts) and simple
// Response bodies are written with one writeHead + end, never through a stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchFunction, FetchServerApi } from '../contract.js';
import type { UpgradeOptions } from '../fetch/websocket-options.js';
import type { Logger } from '../log.js';
import { BodyTooLargeError, isOwnError } from '../fetch/body-limit.js';
import { joinChunks, type NewRequest, type RemoteInfo, type RequestSource } from '../fetch/request.js';
import { badRequestTarget, requestUrl } from '../fetch/request-url.js';
import type { ResponseParts } from '../fetch/response.js';
import { runHandler, type FetchReply } from '../fetch/run-handler.js';
import { headerPairs, NO_BODY_STATUS } from '../fetch/wire.js';
import { declaresTooLarge, hasTwoHosts, replyBadRequest, replyServerError, replyTooLarge } from './replies.js';
import { withoutPseudoHeaders } from '../tls/http2.js';

/** The Host header, or an HTTP/2 request's :authority. */
const hostOf = (req: IncomingMessage): string | undefined => req.headers.host ?? (req.headers[':authority'] as string | undefined);

interface BodySink {
  chunk(chunk: Buffer): void;
  end(): void;
  fail(err: unknown): void;
}

/**
 * Feeds the request body to `sink` and stops it (413, then BodyTooLargeError) once more than
 * `limit` bytes have arrived. Returns whether the limit has tripped, for pull().
 */
function readLimited(req: IncomingMessage, res: ServerResponse, limit: number, sink: BodySink): () => boolean {
  let seen = 0;
  let tripped = false;
  req.on('data', (chunk: Buffer) => {
    if (tripped) return;
    seen += chunk.length;
    if (seen > limit) {
      tripped = true;
      replyTooLarge(req, res);
      sink.fail(new BodyTooLargeError(limit));
      return;
    }
    sink.chunk(chunk);
  });
  req.once('end', () => tripped || sink.end());
  req.once('error', (e) => tripped || sink.fail(e));
  // A client gone mid-body ends neither way on every Node version.
  req.once('close', () => tripped || req.complete || sink.fail(new DOMException('the client closed the connection', 'AbortError')));
  return () => tripped;
}

/** The whole body in one fresh buffer. */
function readAllBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Uint8Array> {
  if (req.complete && req.readableLength === 0) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    readLimited(req, res, limit, {
      chunk(c) {
        chunks.push(c);
        total += c.length;
      },
      end: () => resolve(joinChunks(chunks, total)),
      fail: reject,
    });
  });
}

/** The request body as a web stream that stops (413) once `limit` bytes have arrived. */
function limitedBody(req: IncomingMessage, res: ServerResponse, limit: number): ReadableStream<Uint8Array> {
  let tripped = () => false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      tripped = readLimited(req, res, limit, {
        chunk(c) {
          controller.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        },
        end: () => controller.close(),
        fail: (e) => controller.error(e),
      });
    },
    pull() {
      if (!tripped()) req.resume();
    },
    cancel() {
      req.resume();
    },
  });
}

/**
 * One fetch exchange on node:http: what the Request reads, and how the Response is written. A
 * class, so that a request allocates one object, not closures.
 */
class NodeExchange implements RequestSource, FetchReply {
  #controller: AbortController | undefined;
  #url: string | undefined;
  /** server.upgrade() succeeded: the fetch result is dropped. */
  #upgraded = false;
  upgrade?: (options: UpgradeOptions) => boolean;
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly maxBody: number,
    private readonly log: Logger,
    upgrade?: (options: UpgradeOptions) => boolean,
  ) {
    if (upgrade) this.upgrade = (options) => !this.#upgraded && (this.#upgraded = upgrade(options));
  }

  remote(): RemoteInfo | null {
    const s = this.req.socket;
    if (s.destroyed || !s.remoteAddress) return null;
    return { address: s.remoteAddress, family: s.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4', port: s.remotePort ?? 0 };
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get url(): string {
    return (this.#url ??= requestUrl(this.req.url ?? '/', hostOf(this.req), (this.req.socket as { encrypted?: boolean }).encrypted === true));
  }

  headerPairs(): Array<[string, string]> {
    return headerPairs(withoutPseudoHeaders(this.req.rawHeaders));
  }

  body(): ReadableStream<Uint8Array> {
    return limitedBody(this.req, this.res, this.maxBody);
  }

  readAll(): Promise<Uint8Array> {
    const m = this.req.method;
    if (m === 'GET' || m === 'HEAD') return Promise.resolve(new Uint8Array(0));
    return readAllBody(this.req, this.res, this.maxBody);
  }

  signal(): AbortSignal {
    if (!this.#controller) {
      const c = (this.#controller = new AbortController());
      const { res } = this;
      if (res.destroyed && !res.writableFinished) c.abort();
      else res.once('close', () => res.writableFinished || c.abort());
    }
    return this.#controller.signal;
  }

  get writable(): boolean {
    return !this.#upgraded && !this.res.headersSent && !this.res.destroyed; // else: a WebSocket now, 413 already sent, or client gone
  }

  write(parts: ResponseParts): void | Promise<void> {
    return writeParts(parts, this.req, this.res);
  }

  fail(err: unknown): void {
    const { req, res, log } = this;
    // The 413 path already answered; the handler merely saw its body stream fail.
    if (isOwnError(err, BodyTooLargeError)) return;
    if (res.headersSent && res.destroyed) return log.debug(`response to ${req.method} ${req.url} ended early: ${String(err)}`);
    log.error(`handler failed on ${req.method} ${req.url}`, err);
    replyServerError(res);
  }
}

async function pump(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
    reader.cancel().catch(() => {});
  };
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        wake = undefined;
        if (closed) break;
      }
    }
    if (!closed) res.end();
  } finally {
    res.off('close', onClose);
    reader.releaseLock();
  }
}

function writeParts(parts: ResponseParts, req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  const { status, body } = parts;
  const flat: string[] = [];
  let hasLength = false;
  for (const [k, v] of parts.headers) {
    flat.push(k, v);
    if (k.length === 14 && k.toLowerCase() === 'content-length') hasLength = true;
  }
  const head = req.method === 'HEAD';
  const noBody = NO_BODY_STATUS.has(status) || status < 200;
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    if (!hasLength && !noBody) {
      flat.push('content-length', String(body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
    }
    if (parts.statusText) res.writeHead(status, parts.statusText, flat);
    else res.writeHead(status, flat);
    res.end(head || noBody || body === null ? undefined : body);
    return;
  }
  if (parts.statusText) res.writeHead(status, parts.statusText, flat);
  else res.writeHead(status, flat);
  if (head || noBody) {
    res.end();
    body.cancel().catch(() => {});
    return;
  }
  return pump(body, res);
}

/**
 * `upgrade` is given for a request that asks for a WebSocket (on the 'upgrade' event, `res`
 * then writes straight to its socket): it completes the handshake for server.upgrade().
 */
export function fetchNodeListener(fetch: FetchFunction, maxBody: number, log: Logger, newRequest: NewRequest, server: FetchServerApi) {
  return (req: IncomingMessage, res: ServerResponse, upgrade?: (options: UpgradeOptions) => boolean): void => {
    if (declaresTooLarge(req, maxBody)) return replyTooLarge(req, res);
    const bad = hasTwoHosts(req) ? 'Host (two of them)' : badRequestTarget(req.url ?? '/', hostOf(req));
    if (bad) {
      log.debug(`${req.method} ${(req.url ?? '').slice(0, 40)}: bad ${bad}; answered 400`);
      return replyBadRequest(res);
    }
    const ex = new NodeExchange(req, res, maxBody, log, upgrade);
    runHandler(fetch, newRequest, ex, ex, server);
  };
}
