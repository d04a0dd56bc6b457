// Bun's WebSocket contract on uWebSockets.js: the app's websocket options become a uWS ws()
// behaviour on '/*', whose upgrade handler runs the ordinary fetch path; server.upgrade() there
// calls res.upgrade() with the request's Sec-WebSocket-* headers. uWS's send results (1 sent,
// 0 backpressure, 2 dropped) become Bun's (bytes, -1, 0); topics are uWS's own.
import type { HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior, us_socket_context_t } from 'uWebSockets.js';
import type { Logger } from '../log.js';
import { firstProtocol, upgradeHeaders } from '../fetch/handshake.js';
import { webSocketHost, type ServerHost } from '../fetch/server.js';
import { byteLength, GOING_AWAY, SEND_BACKPRESSURE, SEND_DROPPED, ServerWebSocket } from '../fetch/server-websocket.js';
import { WebSocketHub } from '../fetch/websocket-hub.js';
import type { TopicBroker } from '../contract.js';
import type { Deflate, UpgradeOptions, WebSocketHandler, WebSocketOptions } from '../fetch/websocket-options.js';
import type { Exchange } from './exchange.js';
import type { UwsModule } from './load-module.js';

/** uWS terminates the process on an idleTimeout of 1-7 s or over 960 s. */
const UWS_MIN_IDLE = 8;
const UWS_MAX_IDLE = 960;

/** What uWS keeps for a socket between res.upgrade() and open: ours, or a drain-time refusal. */
interface Pending {
  circus?: { data: unknown; url: string };
}

type UwsSocket = WebSocket<Pending> & { [WRAPPER]?: UwsServerWebSocket };
const WRAPPER = Symbol('circus.serverWebSocket');

/** The sec-websocket-* headers a handshake needs, copied while uWS's HttpRequest is alive. */
export interface UwsHandshake {
  key: string;
  protocol: string;
  extensions: string;
  context: us_socket_context_t;
}

class UwsServerWebSocket extends ServerWebSocket {
  /** Topics it is in: uWS's ws.publish reaches nobody from a socket that is in none. */
  private topicCount = 0;

  constructor(
    private readonly ws: UwsSocket,
    private readonly app: TemplatedApp,
    private readonly publishToSelf: boolean,
    data: unknown,
    url: string,
  ) {
    super(data, Buffer.from(ws.getRemoteAddressAsText()).toString(), url);
  }

  protected write(payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    return sendStatus(this.ws.send(payload, binary, compress), payload);
  }

  protected sendControl(kind: 'ping' | 'pong', payload: string | Uint8Array): number {
    if (kind === 'pong') throw new TypeError('ws.pong() is not available on the uws backend: uWebSockets.js 20.30 can only send pings (pongs to the client\'s pings are automatic)');
    return sendStatus(this.ws.ping(payload), payload);
  }

  protected end(code: number, reason: string): void {
    this.ws.end(code, reason); // runs the close handler synchronously
  }

  protected kill(): void {
    this.ws.close();
  }

  protected join(topic: string): void {
    if (!this.ws.isSubscribed(topic)) this.topicCount++;
    this.ws.subscribe(topic);
  }

  protected leave(topic: string): void {
    if (this.ws.isSubscribed(topic)) this.topicCount--;
    this.ws.unsubscribe(topic);
  }

  protected member(topic: string): boolean {
    return this.ws.isSubscribed(topic);
  }

  protected broadcast(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    // uWS's ws.publish skips the sender; app.publish reaches it too (if subscribed), and is what
    // a socket in no topic must use: its ws.publish reaches nobody.
    const sent = this.publishToSelf || this.topicCount === 0 ? this.app.publish(topic, payload, binary, compress) : this.ws.publish(topic, payload, binary, compress);
    return sent ? Math.max(1, byteLength(payload)) : SEND_DROPPED;
  }

  protected corked<R>(fn: () => R): R {
    let out!: R;
    this.ws.cork(() => (out = fn()));
    return out;
  }

  protected buffered(): number {
    return this.ws.getBufferedAmount();
  }

  get subscriptions(): string[] {
    return this.readyState === 1 ? this.ws.getTopics() : [];
  }
}

/** uWS: 1 sent, 0 queued (backpressure), 2 dropped (over maxBackpressure). */
function sendStatus(uws: number, payload: string | Uint8Array): number {
  if (uws === 1) return Math.max(1, byteLength(payload));
  return uws === 0 ? SEND_BACKPRESSURE : SEND_DROPPED;
}

function compression(uws: UwsModule, compress: Deflate, decompress: Deflate): number {
  const named = (name: string) => (uws as unknown as Record<string, number>)[name] ?? 0;
  let out = 0;
  if (compress === 'shared') out |= named('SHARED_COMPRESSOR');
  else if (compress === 'dedicated') out |= named('DEDICATED_COMPRESSOR');
  else if (compress) out |= named(`DEDICATED_COMPRESSOR_${compress}`);
  if (decompress === 'shared') out |= named('SHARED_DECOMPRESSOR');
  else if (decompress) out |= named(decompress === 'dedicated' || parseInt(decompress, 10) > 32 ? 'DEDICATED_DECOMPRESSOR' : `DEDICATED_DECOMPRESSOR_${decompress}`);
  return out;
}

/**
 * uWS force-closes (no close frame, 1006) on an oversized message or bad UTF-8; the app is told
 * the code a close frame would have carried.
 */
function closeCode(code: number, reason: string): number {
  if (code !== 1006) return code;
  if (reason === 'Received too big message') return 1009;
  if (reason === 'Received invalid UTF-8') return 1007;
  return code;
}

export class UwsWebSockets {
  readonly hub: WebSocketHub;

  constructor(
    private readonly uws: UwsModule,
    private readonly app: TemplatedApp,
    handler: WebSocketHandler,
    private readonly options: WebSocketOptions,
    log: Logger,
    accessLog: boolean,
  ) {
    this.hub = new WebSocketHub(handler, options, log, accessLog);
    if (options.idleTimeout && (options.idleTimeout < UWS_MIN_IDLE || options.idleTimeout > UWS_MAX_IDLE)) {
      log.warn(`websocket.idleTimeout ${options.idleTimeout} s is outside what uWebSockets.js takes (0 or ${UWS_MIN_IDLE}-${UWS_MAX_IDLE} s); using ${Math.min(Math.max(options.idleTimeout, UWS_MIN_IDLE), UWS_MAX_IDLE)} s`);
    }
  }

  /** The ws() behaviour for '/*'; `upgrade` is the fetch path given the ws context. */
  behavior(upgrade: (res: HttpResponse, req: import('uWebSockets.js').HttpRequest, context: us_socket_context_t) => void): WebSocketBehavior<Pending> {
    const o = this.options;
    const { hub } = this;
    const wrapper = (ws: UwsSocket) => ws[WRAPPER];
    return {
      maxPayloadLength: o.maxPayloadLength || 0xffffffff,
      idleTimeout: o.idleTimeout && Math.min(Math.max(o.idleTimeout, UWS_MIN_IDLE), UWS_MAX_IDLE),
      maxBackpressure: o.backpressureLimit,
      closeOnBackpressureLimit: o.closeOnBackpressureLimit as unknown as number,
      compression: compression(this.uws, o.compress, o.decompress),
      sendPingsAutomatically: o.sendPings,
      upgrade,
      open: (ws: UwsSocket) => {
        const mine = ws.getUserData().circus;
        // A handshake completed while draining: tell the client to reconnect elsewhere.
        if (!mine) return ws.end(GOING_AWAY, 'going away');
        const socket = new UwsServerWebSocket(ws, this.app, o.publishToSelf, mine.data, mine.url);
        ws[WRAPPER] = socket;
        hub.opened(socket);
      },
      message: (ws: UwsSocket, message: ArrayBuffer, isBinary: boolean) => {
        const socket = wrapper(ws);
        // uWS neuters `message` when this returns: a binary message gets a copy of its own.
        if (socket) hub.message(socket, isBinary ? Buffer.from(message.slice(0)) : Buffer.from(message).toString());
      },
      drain: (ws: UwsSocket) => {
        const socket = wrapper(ws);
        if (socket) hub.drained(socket);
      },
      ping: (ws: UwsSocket, message: ArrayBuffer) => {
        const socket = wrapper(ws);
        if (socket) hub.pinged(socket, Buffer.from(message.slice(0)));
      },
      pong: (ws: UwsSocket, message: ArrayBuffer) => {
        const socket = wrapper(ws);
        if (socket) hub.ponged(socket, Buffer.from(message.slice(0)));
      },
      close: (ws: UwsSocket, code: number, message: ArrayBuffer) => {
        const socket = wrapper(ws);
        if (!socket) return;
        const reason = Buffer.from(message).toString();
        hub.closed(socket, closeCode(code, reason), reason);
      },
    };
  }

  /** server.upgrade() for one exchange of the ws route. */
  upgrade(ex: Exchange, hs: UwsHandshake, options: UpgradeOptions): boolean {
    const extra = upgradeHeaders(options.headers);
    const userData: Pending = { circus: { data: options.data, url: ex.target } };
    return ex.upgrade(extra.pairs, (res) => res.upgrade(userData, hs.key, extra.protocol ?? firstProtocol(hs.protocol), this.options.compress || this.options.decompress ? hs.extensions : '', hs.context));
  }

  /** Completes a handshake that reached a draining worker, then closes it with 1001. */
  refuse(ex: Exchange, hs: UwsHandshake): void {
    ex.upgrade([], (res) => res.upgrade({}, hs.key, firstProtocol(hs.protocol), '', hs.context));
  }

  /** --pubsub: topics also reach (and come from) other workers through the broker. */
  relayThrough(broker: TopicBroker | undefined): this {
    if (broker) this.hub.relay = broker.attach({ publish: (t, p, b, c) => this.localPublish(t, p, b, c), count: (t) => this.app.numSubscribers(t), maxMessage: this.options.maxPayloadLength });
    return this;
  }

  /** To every subscriber of `topic` in this worker. */
  localPublish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    return this.app.publish(topic, payload, binary, compress) ? Math.max(1, byteLength(payload)) : SEND_DROPPED;
  }

  /** Bun's server.publish and friends, for the FetchServer. */
  host(pendingRequests: () => number): ServerHost {
    return webSocketHost(this.hub, (topic, payload, binary, compress) => this.localPublish(topic, payload, binary, compress), (topic) => this.app.numSubscribers(topic), pendingRequests);
  }
}
