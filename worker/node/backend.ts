// node:http backend: adopts the listening fd with server.listen({fd}) and tracks connections so
// a drain can close idle keep-alive sockets at once and busy ones as their response ends.
import { ServerResponse, type IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import { fetchNodeListener } from './fetch.js';
import { nodeStyleListener } from './node-style.js';
import { upgradeHandler, type UpgradeListener } from './upgrade.js';
import type { NodeWebSockets } from './websocket.js';
import { type AppHandler, type Backend, checkServes, type FetchServerApi, isHealthTarget, type RequestMeter, type RunningServer, type ServeOptions } from '../contract.js';
import { requestMaker } from '../fetch/request.js';
import { FetchServer, plainHost } from '../fetch/server.js';
import { replyHealth } from './replies.js';
import { sweepIdleSockets } from './idle-sweep.js';
import { connectionEvent, createNodeServer } from '../tls/node-server.js';
import { isHttp2Socket } from '../tls/http2.js';

type Tracked = Socket & { _httpMessage?: ServerResponse | null };

function listenerFor(handler: AppHandler, opts: ServeOptions, server: () => FetchServerApi): UpgradeListener {
  checkServes('node', handler.kind);
  if (handler.kind === 'fetch') return fetchNodeListener(handler.fetch, opts.maxBody, opts.log, requestMaker(opts.lazyRequest), server());
  return nodeStyleListener((handler as Extract<AppHandler, { kind: 'node' }>).listener, opts.maxBody, opts.log);
}

function withAccessLog(inner: UpgradeListener, opts: ServeOptions): UpgradeListener {
  if (!opts.accessLog) return inner;
  return (req, res, upgrade) => {
    const t0 = performance.now();
    const line = (status: number) => opts.log.access({ method: req.method ?? '-', url: req.url ?? '-', status, ms: performance.now() - t0 });
    res.once('finish', () => line(res.statusCode));
    inner(req, res, upgrade && ((options) => {
      const done = upgrade(options);
      if (done) line(101);
      return done;
    }));
  };
}

/**
 * With a meter, responses are this subclass: the start time is a field and one shared listener
 * reports the end ('close' comes after 'finish', or alone when the client left), so a request
 * costs no closure.
 */
function meteredResponse(meter: RequestMeter): typeof ServerResponse {
  function ended(this: ServerResponse & { t0: number }) {
    meter.end(this.writableFinished ? this.statusCode : 0, this.t0);
  }
  class MeteredResponse extends ServerResponse {
    t0 = performance.now();
    constructor(req: IncomingMessage) {
      super(req);
      meter.begin();
      this.on('close', ended);
    }
  }
  return MeteredResponse as typeof ServerResponse;
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

export const nodeBackend: Backend = {
  name: 'node',
  async serve(handler, opts) {
    // Imported only for an app with WebSocket handlers: `ws` (and the bufferutil addon it loads)
    // cost every other worker ~8 MB of RSS, and every backend module is imported at start-up.
    const websockets: NodeWebSockets | undefined = handler.kind === 'fetch' && handler.websocket
      ? new (await import('./websocket.js')).NodeWebSockets(handler.websocket.handler, handler.websocket.options, opts.log, opts.accessLog).relayThrough(opts.pubsub)
      : undefined;
    const fetchServer = () => new FetchServer(websockets ? websockets.host(pendingRequests) : plainHost(pendingRequests));
    const inner = withAccessLog(listenerFor(handler, opts, fetchServer), opts);
    const { onRequest, health } = opts;
    const { server, sessions } = createNodeServer(
      opts.tls,
      {
        keepAliveTimeout: opts.idleTimeoutMs,
        headersTimeout: opts.idleTimeoutMs,
        requestTimeout: 0,
        // node checks headersTimeout only this often (30 s by default), which let a slow-loris
        // client hold a connection for up to 30 s whatever --idle-timeout said.
        connectionsCheckingInterval: Math.min(30_000, Math.max(100, opts.idleTimeoutMs / 4)),
        ...(opts.meter ? { ServerResponse: meteredResponse(opts.meter) } : {}),
      },
      (req, res) => {
        if (draining) res.shouldKeepAlive = false;
        if (health && isHealthTarget(req.url, health.path)) return replyHealth(res, health.reply());
        onRequest();
        inner(req, res);
      },
      opts.meter,
    );
    // Per connection, not per request: the request path stays as lean as plain node:http.
    const sockets = new Set<Socket>();
    // An upgraded socket is a WebSocket, idle by nature between messages: websocket.idleTimeout
    // (node/websocket.ts) governs it, not --idle-timeout.
    const upgraded = new WeakSet<Socket>();
    const stopSweeping = sweepIdleSockets(sockets, opts.idleTimeoutMs, upgraded);
    let draining = false;
    server.on(connectionEvent(opts.tls), (socket: Socket) => {
      if (sessions && isHttp2Socket(socket)) return; // its streams are tracked as a session (tls/http2.ts)
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    /** Responses under way (server.pendingRequests; a drain closes WebSockets once there are none). */
    function pendingRequests(): number {
      let n = sessions?.pending() ?? 0;
      for (const s of sockets as Set<Tracked>) if (s._httpMessage && !s._httpMessage.writableFinished) n++;
      return n;
    }
    if (websockets) {
      server.on('upgrade', (_req: unknown, socket: Socket) => upgraded.add(socket));
      server.on('upgrade', upgradeHandler({ websockets, listener: inner, log: opts.log, accessLog: opts.accessLog, draining: () => draining, onRequest }));
    }
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed input costs this connection only; answer 400/431 when the socket still can.
      if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
      if (err.code === 'HPE_CLOSED_CONNECTION') {
        // Bytes after a `Connection: close` request: ignored, not answered with a 400 that would
        // take the place of that request's own response (node closes once it is written).
        const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        if (!pending || pending.writableFinished) socket.destroy();
        return;
      }
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
        : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd: opts.listen.fd, backlog: opts.backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });

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
        draining = true;
        stopAccepting();
        sessions?.drain();
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
            if (opts.webSocketClose === 'after-requests' && pendingRequests() > 0) return;
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
        for (const socket of sockets) socket.destroy();
        sessions?.destroy();
      },
      connections: () => sockets.size + (sessions?.size ?? 0),
      webSockets: () => websockets?.hub.size ?? 0,
    } satisfies RunningServer;
  },
};
