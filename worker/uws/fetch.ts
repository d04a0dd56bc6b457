// fetch-style handlers on uWebSockets.js, the fast path. uWS's HttpRequest dies when the route
// handler returns, so method, URL and header pairs are copied synchronously (a flat array, no
// objects); the Request the app sees is lazy (fetch/request.ts) and simple Response bodies go out in
// one cork (write-response.ts). Oversized headers (431) and bodies (413) are answered here because
// uWS itself accepts them.
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { FetchFunction, FetchServerApi } from '../contract.js';
import { handshakeProblem, REFUSAL_HEADERS, wantsWebSocket } from '../fetch/handshake.js';
import type { Logger } from '../log.js';
import { BodyTooLargeError, isOwnError, LINGER_MS } from '../fetch/body-limit.js';
import type { NewRequest, RemoteInfo, RequestSource } from '../fetch/request.js';
import { badRequestTarget, requestUrl } from '../fetch/request-url.js';
import type { ResponseParts } from '../fetch/response.js';
import { runHandler, type FetchReply } from '../fetch/run-handler.js';
import { headerPairs } from '../fetch/wire.js';
import { Exchange, type ExchangeTracker } from './exchange.js';
import { BodyStalledError, UwsRequestBody } from './request-body.js';
import { writeResponse } from './write-response.js';
import { headProblem, type HeadFacts } from './request-checks.js';
import type { UwsHandshake, UwsWebSockets } from './websocket.js';

/** Total request header bytes (names, values, ': ' and CRLF) above which we answer 431. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Request targets longer than this get 414 (uWS would hand any length to the app). */
const MAX_TARGET_BYTES = 8 * 1024;

export interface FetchUwsOptions {
  maxBody: number;
  /** A request body that stalls this long has its connection closed. */
  bodyTimeoutMs: number;
  log: Logger;
  tracker: ExchangeTracker;
  newRequest: NewRequest;
  /** fetch's second argument. */
  server: FetchServerApi;
  /** Present when the app exports a websocket handler. */
  websockets?: UwsWebSockets;
  /** Served over TLS: URLs are https://. */
  secure?: boolean;
}

/** What the synchronous part of the handler copied out of uWS's HttpRequest. */
interface Copied extends HeadFacts {
  headers: string[];
  bytes: number;
  host: string;
  upgrade: string | undefined;
}

/** The Copied that copyHeaders is filling: one module-level callback instead of a closure per request. */
let copying: Copied;

function copyHeader(name: string, value: string): void {
  const c = copying;
  c.headers.push(name, value);
  c.bytes += name.length + value.length + 4;
  // uWS hands names lower-cased.
  if (name === 'host') {
    c.host = value;
    c.hosts++;
  } else if (name === 'content-length') {
    c.contentLength = value;
    c.lengths++;
  }
  else if (name === 'transfer-encoding') c.transferEncoding = value;
  else if (name === 'upgrade') c.upgrade = value;
}

function copyHeaders(req: HttpRequest): Copied {
  copying = { headers: [], bytes: 0, host: '', hosts: 0, contentLength: undefined, lengths: 0, transferEncoding: undefined, upgrade: undefined };
  req.forEach(copyHeader);
  return copying;
}

/**
 * One fetch exchange on uWS, for the fetch core: what the Request reads (copied out of uWS's
 * HttpRequest, the body from UwsRequestBody) and how the Response is written (the Exchange).
 */
class UwsFetchExchange implements RequestSource, FetchReply {
  #url: string | undefined;
  /** server.upgrade(), on a WebSocket handshake when the app has a websocket handler. */
  upgrade?: RequestSource['upgrade'];
  /** Served over TLS (SSLApp): the URL is https://. */
  secure = false;
  constructor(
    private readonly ex: Exchange,
    private readonly copied: Copied,
    private readonly requestBody: UwsRequestBody | undefined,
    private readonly log: Logger,
  ) {}

  remote(): RemoteInfo | null {
    const address = this.ex.remoteAddress();
    // uWS 20.30 has no way to read the client's port.
    return address === undefined ? null : { address, family: address.includes(':') ? 'IPv6' : 'IPv4', port: 0 };
  }

  get method(): string {
    return this.ex.method;
  }

  get url(): string {
    return (this.#url ??= requestUrl(this.ex.target, this.copied.host, this.secure));
  }

  headerPairs(): Array<[string, string]> {
    return headerPairs(this.copied.headers);
  }

  body(): ReadableStream<Uint8Array> | null {
    return this.requestBody ? this.requestBody.stream() : null;
  }

  readAll(): Promise<Uint8Array> {
    return this.requestBody ? this.requestBody.readAll() : Promise.resolve(new Uint8Array(0));
  }

  signal(): AbortSignal {
    return this.ex.signal();
  }

  get writable(): boolean {
    return this.ex.writable;
  }

  write(parts: ResponseParts): void | Promise<void> {
    return writeResponse(this.ex, parts);
  }

  fail(err: unknown): void {
    const { ex, log } = this;
    // Body errors the worker raised itself and already acted on (413, stalled upload cut).
    if (isOwnError(err, BodyTooLargeError) || isOwnError(err, BodyStalledError)) return;
    if (ex.aborted) return log.debug(`${ex.method} ${ex.path}: client went away: ${String(err)}`);
    log.error(`handler failed on ${ex.method} ${ex.path}`, err);
    ex.reply(500, 'Internal Server Error\n', false);
  }
}

export function fetchUwsHandler(fetch: FetchFunction, opts: FetchUwsOptions) {
  const { maxBody, bodyTimeoutMs, log, tracker, newRequest, server, websockets, secure } = opts;
  // Once the response is under way a 413 cannot be sent; rejectBody then cuts the connection.
  const tooLarge = (ex: Exchange) => ex.rejectBody(413, 'Payload Too Large\n', LINGER_MS);

  /** A request on the ws route (uWS sends it there only with a 24-character key): its sec-websocket-* headers. */
  const handshake = (req: HttpRequest, context: us_socket_context_t): UwsHandshake => ({
    key: req.getHeader('sec-websocket-key'),
    protocol: req.getHeader('sec-websocket-protocol'),
    extensions: req.getHeader('sec-websocket-extensions'),
    context,
  });

  return (res: HttpResponse, req: HttpRequest, context?: us_socket_context_t): void => {
    const query = req.getQuery() ?? '';
    const ex = new Exchange(res, tracker, req.getCaseSensitiveMethod(), req.getUrl(), query);
    try {
      serve(ex, req, query, context);
    } finally {
      // Only a response still under way needs uWS's onAborted (most are sent by now).
      ex.watchAbort();
    }
  };

  function serve(ex: Exchange, req: HttpRequest, query: string, context: us_socket_context_t | undefined): void {
    const hs = context ? handshake(req, context) : undefined;
    const version = websockets ? req.getHeader('sec-websocket-version') : '';
    const copied = copyHeaders(req);
    if (copied.bytes > MAX_HEADER_BYTES) return ex.reply(431, 'Request Header Fields Too Large\n', true);
    if (ex.path.length + query.length > MAX_TARGET_BYTES) return ex.reply(414, 'URI Too Long\n', true);
    const problem = headProblem(ex.method, copied);
    if (problem) {
      log.debug(`${ex.method.slice(0, 20)} ${ex.path.slice(0, 40)}: ${problem}; answered 400`);
      return ex.refuseHead();
    }
    const bad = badRequestTarget(ex.path, copied.host);
    if (bad) {
      log.debug(`${ex.method} ${ex.path.slice(0, 40)}: bad ${bad}; answered 400`);
      return ex.reply(400, 'Bad Request\n', true);
    }
    let upgrade: RequestSource['upgrade'];
    if (websockets && (hs || wantsWebSocket(copied.upgrade))) {
      // key undefined (not the ws route) is a problem too, so past this check hs is set.
      const problem = handshakeProblem(ex.method, hs?.key, version);
      if (problem) {
        log.debug(`${ex.method} ${ex.path.slice(0, 40)}: ${problem}; answered 400`);
        return ex.reply(400, `Bad Request: ${problem}\n`, true, REFUSAL_HEADERS);
      }
      if (tracker.draining) return websockets.refuse(ex, hs!);
      upgrade = (options) => websockets.upgrade(ex, hs!, options);
    }
    if (copied.contentLength !== undefined && Number(copied.contentLength) > maxBody) {
      const close = tooLarge(ex);
      ex.onData((_chunk, isLast) => isLast && close());
      return;
    }

    const mayHaveBody = ex.method !== 'GET' && ex.method !== 'HEAD' && (copied.transferEncoding !== undefined || Number(copied.contentLength) > 0);
    const body = mayHaveBody ? new UwsRequestBody(ex, maxBody, () => tooLarge(ex), bodyTimeoutMs) : undefined;

    const fx = new UwsFetchExchange(ex, copied, body, log);
    if (upgrade) fx.upgrade = upgrade;
    if (secure) fx.secure = true;
    runHandler(fetch, newRequest, fx, fx, server);
  }
}
