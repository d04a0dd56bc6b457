// Bun's WebSocket contract on node:http: the `ws` package in noServer mode completes the
// handshakes that server.upgrade() accepts on the server's 'upgrade' event. ws has no topics
// and no idle timeout, so topics come from the shared registry and the idle timer (with uWS's
// ping-then-cut rule) lives here.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { firstProtocol, upgradeHeaders, type UpgradeHeaders } from '../fetch/handshake.js';
import { webSocketHost, type ServerHost } from '../fetch/server.js';
import { byteLength, GOING_AWAY, SEND_BACKPRESSURE, SEND_DROPPED, ServerWebSocket } from '../fetch/server-websocket.js';
import { TopicRegistry } from '../fetch/topics.js';
import { PING_FLOOD_LIMIT, WebSocketHub } from '../fetch/websocket-hub.js';
import type { TopicBroker } from '../contract.js';
import type { UpgradeOptions, WebSocketHandler, WebSocketOptions } from '../fetch/websocket-options.js';

/** A Buffer that owns exactly its bytes (ws may hand out a view into a bigger read buffer). */
function owned(buf: Buffer): Buffer {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return buf;
  const out = Buffer.allocUnsafeSlow(buf.byteLength);
  buf.copy(out);
  return out;
}

/** The close code ws sent for a protocol error (kept under a symbol), 1002 if it says none. */
function statusOf(err: Error): number {
  const sym = Object.getOwnPropertySymbols(err).find((k) => k.description === 'status-code');
  const code = sym && (err as unknown as Record<symbol, unknown>)[sym];
  return typeof code === 'number' ? code : 1002;
}

/**
 * uWS's idle rule: silent for idleTimeout - margin, then a ping; no answer within the margin and
 * the connection is cut (without pings: cut after idleTimeout). Margin 4, 8 or 16 s as in uWS.
 */
function idlePhases(idleTimeout: number, sendPings: boolean): { quiet: number; answer: number } {
  if (!sendPings) return { quiet: idleTimeout * 1000, answer: 0 };
  let margin = 4;
  while (idleTimeout - margin * 2 >= margin * 2 && margin < 16) margin <<= 1;
  if (margin * 2 > idleTimeout) margin = idleTimeout / 2; // below uWS's minimum of 8 s
  return { quiet: (idleTimeout - margin) * 1000, answer: margin * 1000 };
}

class NodeServerWebSocket extends ServerWebSocket {
  private drainArmed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly owner: NodeWebSockets,
    data: unknown,
    url: string,
  ) {
    super(data, socket.remoteAddress ?? '', url);
  }

  protected write(payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    return this.owner.sendOn(this, payload, binary, compress);
  }

  /** ws's send, with Bun's backpressure rules; shared with publish. */
  sendRaw(payload: string | Uint8Array, binary: boolean, compress: boolean, limit: number, closeAtLimit: boolean): number {
    if (this.ws.readyState !== 1) return SEND_DROPPED;
    if (limit && this.ws.bufferedAmount > limit) {
      if (closeAtLimit) this.terminate();
      return SEND_DROPPED;
    }
    this.ws.send(payload, { binary, compress });
    return this.settle(payload);
  }

  protected sendControl(kind: 'ping' | 'pong', payload: string | Uint8Array): number {
    if (this.ws.readyState !== 1) return SEND_DROPPED;
    if (kind === 'ping') this.ws.ping(payload);
    else this.ws.pong(payload);
    return this.settle(payload);
  }

  /** Bytes if the kernel took everything, else -1 and a drain call once it has. */
  private settle(payload: string | Uint8Array): number {
    if (this.ws.bufferedAmount === 0) return Math.max(1, byteLength(payload));
    if (!this.drainArmed) {
      this.drainArmed = true;
      this.socket.once('drain', () => {
        this.drainArmed = false;
        if (this.readyState === 1) this.owner.hub.drained(this);
      });
    }
    return SEND_BACKPRESSURE;
  }

  protected end(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  protected kill(): void {
    this.ws.terminate();
  }

  protected join(topic: string): void {
    this.owner.topics.subscribe(this, topic);
  }

  protected leave(topic: string): void {
    this.owner.topics.unsubscribe(this, topic);
  }

  protected member(topic: string): boolean {
    return this.owner.topics.isSubscribed(this, topic);
  }

  protected broadcast(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    return this.owner.publish(topic, payload, binary, compress, this.owner.options.publishToSelf ? undefined : this);
  }

  protected corked<R>(fn: () => R): R {
    this.socket.cork();
    try {
      return fn();
    } finally {
      this.socket.uncork();
    }
  }

  protected buffered(): number {
    return this.ws.bufferedAmount;
  }

  get subscriptions(): string[] {
    return this.owner.topics.topicsOf(this);
  }
}

export class NodeWebSockets {
  readonly hub: WebSocketHub;
  readonly topics = new TopicRegistry<NodeServerWebSocket>();
  private readonly wss: WebSocketServer;
  /** What server.upgrade() asked for, read by ws's hooks during handleUpgrade. */
  private readonly asked = new WeakMap<IncomingMessage, UpgradeHeaders>();

  constructor(
    handler: WebSocketHandler,
    readonly options: WebSocketOptions,
    private readonly log: Logger,
    accessLog: boolean,
  ) {
    this.hub = new WebSocketHub(handler, options, log, accessLog);
    const deflate = options.compress || options.decompress;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      // ws cuts a client with this many pongs still unsent (its flood guard, which also bounds
      // the memory of a flooder that does not read); above the hub's limit, so a burst of pings
      // meets the hub's 1008 first, as on uws.
      maxPendingAutoPongs: PING_FLOOD_LIMIT + 28,
      maxPayload: options.maxPayloadLength,
      perMessageDeflate: deflate ? { serverNoContextTakeover: options.compress === 'shared', clientNoContextTakeover: options.decompress === 'shared' } : false,
      handleProtocols: (offered, req) => this.asked.get(req)?.protocol ?? offered.values().next().value ?? false,
    } as ConstructorParameters<typeof WebSocketServer>[0]);
    this.wss.on('headers', (lines: string[], req: IncomingMessage) => {
      for (const [name, value] of this.asked.get(req)?.pairs ?? []) lines.push(`${name}: ${value}`);
    });
  }

  /** server.upgrade() for a request that arrived on the 'upgrade' event. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, options: UpgradeOptions, url: string): boolean {
    if (!socket.readable || !socket.writable) return false;
    this.asked.set(req, upgradeHeaders(options.headers));
    let opened = false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      this.adopt(ws, socket, options.data, url);
    });
    return opened;
  }

  /** Completes a handshake that reached a draining worker, then closes it with 1001. */
  refuse(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.asked.set(req, { pairs: [], protocol: firstProtocol(req.headers['sec-websocket-protocol']) || undefined });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.close(GOING_AWAY, 'going away');
      // FIN after the close frame (as uWS does): this client was never the app's to wait for.
      socket.end();
    });
  }

  sendOn(s: NodeServerWebSocket, payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    return s.sendRaw(payload, binary, compress, this.options.backpressureLimit, this.options.closeOnBackpressureLimit);
  }

  /** To every subscriber of `topic` but `except`; bytes if any took it, else 0. */
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean, except?: NodeServerWebSocket): number {
    const subs = this.topics.subscribers(topic);
    if (!subs) return SEND_DROPPED;
    let sent = false;
    for (const s of [...subs]) {
      if (s !== except && this.sendOn(s, payload, binary, compress) !== SEND_DROPPED) sent = true;
    }
    return sent ? Math.max(1, byteLength(payload)) : SEND_DROPPED;
  }

  /** --pubsub: topics also reach (and come from) other workers through the broker. */
  relayThrough(broker: TopicBroker | undefined): this {
    if (broker) this.hub.relay = broker.attach({ publish: (t, p, b, c) => this.publish(t, p, b, c), count: (t) => this.topics.count(t), maxMessage: this.options.maxPayloadLength });
    return this;
  }

  host(pendingRequests: () => number): ServerHost {
    return webSocketHost(this.hub, (topic, payload, binary, compress) => this.publish(topic, payload, binary, compress), (topic) => this.topics.count(topic), pendingRequests);
  }

  private adopt(ws: WebSocket, socket: Socket, data: unknown, url: string): void {
    const { hub } = this;
    const s = new NodeServerWebSocket(ws, socket, this, data, url);
    const idle = this.idleTimer(ws, socket);
    ws.on('message', (msg: Buffer, isBinary: boolean) => {
      idle.heard();
      hub.message(s, isBinary ? owned(msg) : msg.toString());
    });
    ws.on('ping', (msg: Buffer) => {
      idle.heard();
      hub.pinged(s, owned(msg));
    });
    ws.on('pong', (msg: Buffer) => {
      idle.heard();
      hub.ponged(s, owned(msg));
    });
    // Protocol errors (bad frame, bad UTF-8, too big): ws sends the matching close code itself,
    // but reports the peer's (none: 1006) at close; the app is told the code that was sent.
    let failed: { code: number; reason: string } | undefined;
    ws.on('error', (err: Error) => {
      failed = { code: statusOf(err), reason: err.message };
      this.log.debug(`WebSocket ${url} from ${s.remoteAddress}: ${err.message}`);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.topics.drop(s);
      if (failed && code === 1006) hub.closed(s, failed.code, failed.reason);
      else hub.closed(s, code, reason.toString());
    });
    hub.opened(s);
  }

  private idleTimer(ws: WebSocket, socket: Socket): { heard(): void } {
    const { idleTimeout, sendPings } = this.options;
    if (!idleTimeout) return { heard() {} };
    const { quiet, answer } = idlePhases(idleTimeout, sendPings);
    let pinged = false;
    socket.setTimeout(quiet);
    socket.on('timeout', () => {
      if (ws.readyState !== 1) return void socket.destroy();
      if (answer && !pinged) {
        pinged = true;
        socket.setTimeout(answer);
        ws.ping();
        return;
      }
      ws.terminate();
    });
    return {
      heard() {
        if (!pinged) return;
        pinged = false;
        socket.setTimeout(quiet);
      },
    };
  }
}
