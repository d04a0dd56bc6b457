// The contract between the worker core and a backend (node:http, uWebSockets.js).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FdDescription } from '../sys/sockets.js';
import { WorkerError } from './error-codes.js';
import type { TlsOptions } from 'node:tls';
import type { Logger } from './log.js';

/** Bun's `server`, fetch's second argument (fetch/server.ts). */
export interface FetchServerApi {
  upgrade(request: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean;
  publish(topic: string, data: string | ArrayBufferLike | ArrayBufferView, compress?: boolean): number;
  subscriberCount(topic: string): number;
  requestIP(request: Request): { address: string; family: 'IPv4' | 'IPv6'; port: number } | null;
  readonly pendingRequests: number;
  readonly pendingWebSockets: number;
}

/** Bun's fetch: after a successful server.upgrade() whatever it returns is ignored. */
export type FetchFunction = (request: Request, server: FetchServerApi) => Response | undefined | Promise<Response | undefined>;

/**
 * Bun's WebSocketHandler, the app's `websocket` export; `WS` is the backend's ServerWebSocket.
 * Published (package.json `types`): `any` by default so an app's unannotated handlers type-check.
 */
export interface WebSocketHandler<WS = any> {
  open?(ws: WS): unknown;
  message?(ws: WS, message: string | Buffer | ArrayBufferLike | Uint8Array): unknown;
  close?(ws: WS, code: number, reason: string): unknown;
  drain?(ws: WS): unknown;
  ping?(ws: WS, data: Buffer): unknown;
  pong?(ws: WS, data: Buffer): unknown;
  error?(ws: WS, error: unknown): unknown;
  maxPayloadLength?: number;
  idleTimeout?: number;
  backpressureLimit?: number;
  closeOnBackpressureLimit?: boolean;
  perMessageDeflate?: boolean | { compress?: boolean | string; decompress?: boolean | string };
  sendPings?: boolean;
  publishToSelf?: boolean;
}

/** Compression as both backends can apply it: off, or a shared/dedicated (de)compressor. */
export type Deflate = false | 'shared' | 'dedicated' | `${number}KB`;

/** The `websocket` options with Bun's defaults applied (fetch/websocket-options.ts). */
export interface WebSocketOptions {
  /** Bytes (0: no limit); a larger message closes its connection (1009). */
  maxPayloadLength: number;
  /** Seconds without traffic before the connection is closed (0: never). */
  idleTimeout: number;
  /** Bytes queued for one client past which send() drops (0: no limit). */
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  compress: Deflate;
  decompress: Deflate;
  sendPings: boolean;
  publishToSelf: boolean;
}
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;
/** `uws(app, circus)`: the raw uWS app, and the worker's tools for it (uws/native.ts). */
export type UwsRegister = (app: unknown, circus: unknown) => unknown;

export type AppHandler =
  | { kind: 'fetch'; fetch: FetchFunction; websocket?: { handler: WebSocketHandler; options: WebSocketOptions } }
  | { kind: 'node'; listener: NodeListener }
  | { kind: 'uws'; register: UwsRegister };

export type HandlerKind = AppHandler['kind'];
export type BackendName = 'node' | 'uws';

/** Which handler kinds each backend serves (fetch handlers run on both). */
const SERVES: Record<BackendName, { kinds: readonly HandlerKind[]; others: string }> = {
  node: { kinds: ['fetch', 'node'], others: 'uws-native handlers (uws(app))' },
  uws: { kinds: ['fetch', 'uws'], others: 'node-style (req, res) handlers' },
};

/** Throws EHANDLER_BACKEND (exit 2) unless `backend` serves `kind` handlers. */
export function checkServes(backend: BackendName, kind: HandlerKind): void {
  if (SERVES[backend].kinds.includes(kind)) return;
  const other: BackendName = backend === 'node' ? 'uws' : 'node';
  throw new WorkerError('EHANDLER_BACKEND', `${SERVES[backend].others} are not served by the ${backend} backend; only the ${other} backend serves them (drop --backend ${backend})`);
}

export interface ServeOptions {
  /** An open, listening, validated socket fd. The backend takes ownership of it. */
  listen: FdDescription;
  /** Request bodies larger than this get 413 as soon as that is known. */
  maxBody: number;
  /** Keep-alive idle timeout and slow-client header timeout, in ms. */
  idleTimeoutMs: number;
  /** Backlog to re-issue listen() with, for backends that do (node:http). */
  backlog: number;
  log: Logger;
  /** fetch handlers get the lazy Request (fetch/request.ts), else undici's (--no-lazy-request). */
  lazyRequest: boolean;
  /**
   * Sees every request the app serves (not the health path's): --max-requests, the supervisor's
   * metrics and the access log. Each backend calls it in one place.
   */
  requests: RequestObserver;
  /**
   * When a drain closes open WebSockets with 1001: once no HTTP request is in flight (so a
   * request that publishes still reaches them), or at once.
   */
  webSocketClose: WebSocketCloseTiming;
  /** --health-path: requests for it are answered by the backend itself, never by the app. */
  health?: HealthCheck;
  /** --pubsub: the broker that carries WebSocket topics to the other workers. */
  pubsub?: TopicBroker;
  /** TLS: the certificates to serve (https://, wss://); absent for plain HTTP. */
  tls?: TlsCertificates;
}

/** TLS as a backend takes it (worker/tls/serving.ts): the current certificates, and their renewals. */
export interface TlsCertificates {
  /** node:tls / node:https options for the certificates serving now. */
  nodeOptions(): TlsOptions;
  /** Calls `fn` with uWS SSLApp options; the files exist during the call only. Throws a WorkerError when uWS cannot serve this configuration. */
  withUwsFiles<T>(fn: (files: { cert_file_name: string; key_file_name: string }) => T): T;
  /** --sni names, for the uws backend's route tables (tls/uws-sni.ts). */
  sniNames(): string[];
  /** Calls `fn` with each --sni name and its pair's SSLApp options; the files exist during the call only. */
  withUwsSni(fn: (name: string, files: { cert_file_name: string; key_file_name: string }) => void): void;
  /** Calls `fn` after a renewal; a backend that can serve new handshakes with it subscribes. */
  onRenew(fn: () => void): void;
  /** --http2 (node backend): ALPN h2 with HTTP/1.1 fallback on the same port. */
  readonly http2: boolean;
  /** Mutual TLS: the backend stamps the verified peer on each request (tls/peer-header.ts). */
  readonly mutual: boolean;
  /** The --certfile, for messages. */
  readonly certfile: string;
}

/** The per-request observer the CLI assembles (worker/request-observer.ts). */
export interface RequestObserver {
  /** The access log is on: end() needs the method and URL, and WebSocket closes get lines too. */
  readonly logs: boolean;
  /** end() does something (access log or metrics): backends take start times and report ends only then. */
  readonly timed: boolean;
  /** A request started. */
  begin(): void;
  /** It ended: `status` sent, or 0 when the client went away first; `t0` its performance.now() at start. */
  end(method: string, url: string, status: number, t0: number): void;
}

export type WebSocketCloseTiming = 'after-requests' | 'at-once';

export interface RunningServer {
  /** Stops accepting new connections at once. Idempotent. */
  stopAccepting(): void;
  /**
   * Closes idle keep-alive connections now and every other connection once its in-flight
   * response ends; resolves when none is left. Implies stopAccepting.
   */
  drain(): Promise<void>;
  /** Destroys every remaining connection. */
  forceClose(): void;
  /** Connections currently open (for logs). */
  connections(): number;
  /** WebSockets currently open (for logs). */
  webSockets(): number;
}

export interface Backend {
  readonly name: BackendName;
  /** The engine build it runs on, when that varies (`name@version` of the uWS package). */
  readonly build?: string;
  serve(handler: AppHandler, opts: ServeOptions): Promise<RunningServer>;
}

// --health-path: what a backend answers itself (worker/health.ts keeps the state).
export interface HealthReply {
  status: 200 | 503;
  /** One line of JSON, newline-terminated. */
  body: string;
}

/** What a backend needs: the path to intercept and the answer at this moment. */
export interface HealthCheck {
  readonly path: string;
  reply(): HealthReply;
}

/** Whether a request target (path and maybe a query) asks for the health path. */
export function isHealthTarget(target: string | undefined, path: string): boolean {
  return target === path || (!!target && target.startsWith(path) && target[path.length] === '?');
}

// --pubsub: the seam between a worker's topics and a broker that carries them to other workers
// (worker/pubsub/, loaded only with the option). The backends give the relay their local topics;
// sockets and the server tell it who subscribes and what is published.

/** A backend's own topics: deliver to this worker's subscribers, count them. */
export interface LocalTopics {
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number;
  count(topic: string): number;
  /** The app's maxPayloadLength (0: none): larger messages are not handed to the broker. */
  maxMessage: number;
}

export interface TopicRelay {
  /** A socket subscribed to `topic`. */
  joined(topic: string): void;
  /** A socket left `topic`, or (no topic) closed and left all of its own. */
  left(topic?: string): void;
  /** Hands a message already delivered locally to the broker; false when it was dropped. */
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): boolean;
}

/** What ServeOptions.pubsub carries: a broker connection that relays a backend's topics. */
export interface TopicBroker {
  attach(local: LocalTopics): TopicRelay;
}
