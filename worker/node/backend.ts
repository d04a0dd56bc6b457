// node:http backend: adopts the listening fd with server.listen({fd}) and tracks connections so
// a drain can close idle keep-alive sockets at once and busy ones as their response ends.
import type http from 'node:http';
import type { ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { fetchNodeListener } from './fetch.js';
import { nodeStyleListener } from './node-style.js';
import { upgradeHandler, type UpgradeListener } from './upgrade.js';
import type { NodeWebSockets } from './websocket.js';
import { type AppHandler, type Backend, checkServes, type FetchServerApi, isHealthTarget, type RunningServer, type ServeOptions } from '../contract.js';
import { requestMaker } from '../fetch/request.js';
import { FetchServer, plainHost } from '../fetch/server.js';
import { replyHealth } from './replies.js';
import { sweepIdleSockets } from './idle-sweep.js';
import { observe, observedResponse } from './observed-response.js';
import { connectionEvent, createNodeServer } from '../tls/node-server.js';
import { isHttp2Socket, type Http2Sessions } from '../tls/http2.js';

type Tracked = Socket & { _httpMessage?: ServerResponse | null };

function listenerFor(handler: AppHandler, opts: ServeOptions, server: () => FetchServerApi): UpgradeListener {
  checkServes('node', handler.kind);
  if (handler.kind === 'fetch') return fetchNodeListener(handler.fetch, opts.maxBody, opts.log, requestMaker(opts.lazyRequest), server());
  return nodeStyleListener((handler as Extract<AppHandler, { kind: 'node' }>).listener, opts.maxBody, opts.log);
}

/** How often a drain re-checks for connections that have gone idle since the last check. */
const DRAIN_POLL_MS = 50;
/**
 * How long a drain leaves idle connections alone first. node counts a connection it has just
 * accepted, whose request is still on its way, as idle; closing it resets that request (clients
 * saw ECONNRESET on every reload under load). Within the grace such requests arrive and are
 * answered with `Connection: close`, so their connections end cleanly.
 */
const DRAIN_GRACE_MS = 500;

/** The app's connections, tracked per connection (not per request: the request path stays as lean as plain node:http). */
class Connections {
  readonly sockets = new Set<Socket>();
  /**
   * Upgraded sockets: WebSockets, idle by nature between messages; websocket.idleTimeout
   * (node/websocket.ts) governs them, not the --idle-timeout sweep.
   */
  readonly upgraded = new WeakSet<Socket>();
  /** With --http2: the HTTP/2 sessions, tracked by tls/http2.ts (their sockets are not in `sockets`). */
  sessions?: Http2Sessions;
  draining = false;

  track(server: http.Server, opts: ServeOptions): void {
    server.on(connectionEvent(opts.tls), (socket: Socket) => {
      if (this.sessions && isHttp2Socket(socket)) return; // its streams are tracked as a session (tls/http2.ts)
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Responses under way (server.pendingRequests; a drain closes WebSockets once there are none). */
  readonly pending = (): number => {
    let n = this.sessions?.pending() ?? 0;
    for (const s of this.sockets as Set<Tracked>) if (s._httpMessage && !s._httpMessage.writableFinished) n++;
    return n;
  };

  get size(): number {
    return this.sockets.size + (this.sessions?.size ?? 0);
  }
}

/**
 * Imported only for an app with WebSocket handlers: `ws` (and the bufferutil addon it loads)
 * cost every other worker ~8 MB of RSS, and every backend module is imported at start-up.
 */
async function webSocketsFor(handler: AppHandler, opts: ServeOptions): Promise<NodeWebSockets | undefined> {
  if (handler.kind !== 'fetch' || !handler.websocket) return undefined;
  return new (await import('./websocket.js')).NodeWebSockets(handler.websocket.handler, handler.websocket.options, opts.log, opts.requests.logs).relayThrough(opts.pubsub);
}

function createServer(listener: UpgradeListener, opts: ServeOptions, conns: Connections, websockets: NodeWebSockets | undefined): http.Server {
  const { health } = opts;
  const Response = observedResponse(opts.requests);
  const { server, sessions } = createNodeServer(
    opts.tls,
    {
      keepAliveTimeout: opts.idleTimeoutMs,
      headersTimeout: opts.idleTimeoutMs,
      requestTimeout: 0,
      // node checks headersTimeout only this often (30 s by default), which let a slow-loris
      // client hold a connection for up to 30 s whatever --idle-timeout said.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, opts.idleTimeoutMs / 4)),
      ServerResponse: Response,
    },
    (req, res) => {
      if (conns.draining) res.shouldKeepAlive = false;
      if (health && isHealthTarget(req.url, health.path)) return replyHealth(res, health.reply());
      observe(opts.requests, req, res);
      listener(req, res);
    },
  );
  conns.sessions = sessions;
  if (websockets) server.on('upgrade', (_req: unknown, socket: Socket) => conns.upgraded.add(socket));
  if (websockets) server.on('upgrade', upgradeHandler({ websockets, listener, Response, log: opts.log, draining: () => conns.draining }));
  return server;
}

/** Malformed input costs its connection only; answered 400/408/431 when the socket still can be. */
function answerClientErrors(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    if (err.code === 'HPE_CLOSED_CONNECTION') {
      // Bytes after a `Connection: close` request: ignored, not answered with a 400 that would
      // take the place of that request's own response (node closes once it is written).
      const pending = (socket as Tracked)._httpMessage;
      if (!pending || pending.writableFinished) socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
}

function listenOn(server: http.Server, opts: ServeOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd: opts.listen.fd, backlog: opts.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stop, drain and force-close: the RunningServer the lifecycle drives. */
function control(server: http.Server, conns: Connections, websockets: NodeWebSockets | undefined, opts: ServeOptions): RunningServer {
  const stopSweeping = sweepIdleSockets(conns.sockets, opts.idleTimeoutMs, conns.upgraded);
  let closed: Promise<void> | undefined;
  const stopAccepting = () => {
    // net.Server's close stops accepting and calls back once every connection is gone.
    // http.Server's own close() would also close idle connections at once (node >= 19),
    // which resets the requests still on their way on freshly accepted ones (see DRAIN_GRACE_MS).
    closed ??= new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
  };
  return {
    stopAccepting,
    drain() {
      conns.draining = true;
      stopAccepting();
      conns.sessions?.drain();
      // After the grace, close what is idle, and busy connections as their response ends.
      let poll: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        server.closeIdleConnections();
        poll = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
      }, DRAIN_GRACE_MS);
      // WebSockets get 1001 at once, or once no response is under way; each closes as its
      // client answers (a client that does not is cut at the graceful timeout).
      let wsPoll: NodeJS.Timeout | undefined;
      if (websockets) {
        const closeSockets = () => {
          if (opts.webSocketClose === 'after-requests' && conns.pending() > 0) return;
          clearInterval(wsPoll);
          websockets.hub.closeAll();
        };
        wsPoll = setInterval(closeSockets, DRAIN_POLL_MS);
        closeSockets();
      }
      // ws reports a socket's close a tick or more after node has counted the connection gone:
      // wait for the hub too, so every app close handler runs before the worker exits.
      return closed!
        .then(() => websockets?.hub.whenEmpty())
        .finally(() => {
          stopSweeping();
          clearTimeout(grace);
          clearInterval(poll);
          clearInterval(wsPoll);
        });
    },
    forceClose() {
      for (const socket of conns.sockets) socket.destroy();
      conns.sessions?.destroy();
    },
    connections: () => conns.size,
    webSockets: () => websockets?.hub.size ?? 0,
  };
}

export const nodeBackend: Backend = {
  name: 'node',
  async serve(handler, opts) {
    const conns = new Connections();
    const websockets = await webSocketsFor(handler, opts);
    const fetchServer = () => new FetchServer(websockets ? websockets.host(conns.pending) : plainHost(conns.pending));
    const server = createServer(listenerFor(handler, opts, fetchServer), opts, conns, websockets);
    conns.track(server, opts);
    answerClientErrors(server);
    await listenOn(server, opts);
    return control(server, conns, websockets, opts);
  },
};
