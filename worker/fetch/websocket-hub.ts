// The worker's open WebSockets and the app's handlers they feed, the same for both backends:
// backends report what their engine saw (open, message, close, ...) and the hub calls the app,
// counts the sockets (pendingWebSockets, drain, stop line), writes the access line at close and
// applies the rules both backends share: an app handler that fails costs that connection only,
// and a ping flood closes the flooding connection.
import type { Logger } from '../log.js';
import { GOING_AWAY, type ServerWebSocket } from './server-websocket.js';
import type { TopicRelay } from '../contract.js';
import type { WebSocketHandler, WebSocketOptions } from './websocket-options.js';

/** More pings than this within PING_WINDOW_MS close the connection (1008). */
export const PING_FLOOD_LIMIT = 100;
const PING_WINDOW_MS = 1000;

const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;

type Event = 'open' | 'message' | 'close' | 'drain' | 'ping' | 'pong';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

interface PingCount {
  since: number;
  count: number;
}

export class WebSocketHub {
  private readonly open = new Set<ServerWebSocket>();
  private readonly pings = new WeakMap<ServerWebSocket, PingCount>();
  private emptied: Array<() => void> = [];
  /** Set by closeAll: a socket that opens afterwards (an upgrade that finished late) is closed too. */
  private closing?: { code: number; reason: string };
  /** Carries topics to other workers (--pubsub). */
  relay?: TopicRelay;

  constructor(
    readonly handler: WebSocketHandler,
    readonly options: WebSocketOptions,
    private readonly log: Logger,
    private readonly accessLog: boolean,
  ) {}

  /** Open sockets (Bun's server.pendingWebSockets). */
  get size(): number {
    return this.open.size;
  }

  opened(ws: ServerWebSocket): void {
    this.open.add(ws);
    ws.relay = this.relay;
    const { open } = this.handler;
    if (open) this.call(ws, 'open', () => open.call(this.handler, ws));
    if (this.closing && ws.readyState === 1) ws.close(this.closing.code, this.closing.reason);
  }

  /** `data` is a string for a text frame, else a Buffer that owns its bytes. */
  message(ws: ServerWebSocket, data: string | Buffer): void {
    if (this.accessLog) ws.bytesIn += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    const { message } = this.handler;
    if (!message) return;
    const msg = typeof data === 'string' || ws.binaryType === 'nodebuffer' ? data : ws.binaryType === 'arraybuffer' ? data.buffer : new Uint8Array(data.buffer);
    this.call(ws, 'message', () => message.call(this.handler, ws, msg));
  }

  drained(ws: ServerWebSocket): void {
    const { drain } = this.handler;
    if (drain) this.call(ws, 'drain', () => drain.call(this.handler, ws));
  }

  pinged(ws: ServerWebSocket, data: Buffer): void {
    if (ws.readyState !== 1) return;
    const now = performance.now();
    let c = this.pings.get(ws);
    if (!c || now - c.since > PING_WINDOW_MS) this.pings.set(ws, (c = { since: now, count: 0 }));
    if (++c.count > PING_FLOOD_LIMIT) {
      this.log.debug(`WebSocket ${ws.url} from ${ws.remoteAddress}: more than ${PING_FLOOD_LIMIT} pings in ${PING_WINDOW_MS} ms; closed (1008)`);
      ws.close(POLICY_VIOLATION, 'too many pings');
      return;
    }
    const { ping } = this.handler;
    if (ping) this.call(ws, 'ping', () => ping.call(this.handler, ws, data));
  }

  ponged(ws: ServerWebSocket, data: Buffer): void {
    const { pong } = this.handler;
    if (pong) this.call(ws, 'pong', () => pong.call(this.handler, ws, data));
  }

  /** The connection ended (whichever side closed it); the app hears of it once. */
  closed(ws: ServerWebSocket, code: number, reason: string): void {
    if (!this.open.delete(ws)) return;
    ws.markClosed();
    this.relay?.left();
    if (this.accessLog) {
      this.log.access({ method: 'WS', url: ws.url, status: code, ms: performance.now() - ws.openedAt, bytesIn: ws.bytesIn, bytesOut: ws.bytesOut });
    }
    const { close } = this.handler;
    if (close) this.call(ws, 'close', () => close.call(this.handler, ws, code, reason));
    if (this.open.size === 0) for (const fn of this.emptied.splice(0)) fn();
  }

  /** Starts the closing handshake on every open socket (drain: 1001 going away). */
  closeAll(code = GOING_AWAY, reason = 'going away'): void {
    this.closing = { code, reason };
    for (const ws of [...this.open]) ws.close(code, reason);
  }

  /** Resolves once no socket is open. */
  whenEmpty(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  /**
   * Runs an app handler. A throw or rejection goes to the app's `error` handler when it has one
   * (Bun's rule); otherwise it is logged and costs this connection (1011), never the worker.
   */
  private call(ws: ServerWebSocket, event: Event, fn: () => unknown): void {
    try {
      const out = fn();
      if (isThenable(out)) out.then(undefined, (err: unknown) => this.fail(ws, event, err));
    } catch (err) {
      this.fail(ws, event, err);
    }
  }

  private fail(ws: ServerWebSocket, event: Event, err: unknown): void {
    const { error } = this.handler;
    if (error && event !== 'close') {
      try {
        const out = error.call(this.handler, ws, err);
        if (isThenable(out)) out.then(undefined, (e: unknown) => this.lose(ws, 'error', e));
        return;
      } catch (e) {
        return this.lose(ws, 'error', e);
      }
    }
    this.lose(ws, event, err);
  }

  private lose(ws: ServerWebSocket, event: Event | 'error', err: unknown): void {
    this.log.error(`websocket ${event} handler failed on ${ws.url}${ws.readyState === 1 ? '; connection closed (1011)' : ''}`, err);
    if (ws.readyState === 1) ws.close(INTERNAL_ERROR, 'internal error');
  }
}
