// node:http backend: adopts the listening fd with server.listen({fd}) and tracks connections so
// a drain can close idle keep-alive sockets at once and busy ones as their response ends.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { fetchNodeListener } from './fetch.js';
import { nodeStyleListener } from './node-style.js';
import { checkServes, type AppHandler, type Backend, type RunningServer, type ServeOptions } from '../contract.js';
import { requestMaker } from '../fetch/request.js';

function listenerFor(handler: AppHandler, opts: ServeOptions) {
  checkServes('node', handler.kind);
  if (handler.kind === 'fetch') return fetchNodeListener(handler.fetch, opts.maxBody, opts.log, requestMaker(opts.lazyRequest));
  return nodeStyleListener((handler as Extract<AppHandler, { kind: 'node' }>).listener, opts.maxBody, opts.log);
}

function withAccessLog(inner: (req: IncomingMessage, res: ServerResponse) => void, opts: ServeOptions) {
  if (!opts.accessLog) return inner;
  return (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    res.once('finish', () => opts.log.access({ method: req.method ?? '-', url: req.url ?? '-', status: res.statusCode, ms: performance.now() - t0 }));
    inner(req, res);
  };
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
    const inner = withAccessLog(listenerFor(handler, opts), opts);
    const { onRequest } = opts;
    const server = http.createServer(
      {
        keepAliveTimeout: opts.idleTimeoutMs,
        headersTimeout: opts.idleTimeoutMs,
        requestTimeout: 0,
        // node checks headersTimeout only this often (30 s by default), which let a slow-loris
        // client hold a connection for up to 30 s whatever --idle-timeout said.
        connectionsCheckingInterval: Math.min(30_000, Math.max(100, opts.idleTimeoutMs / 4)),
      },
      (req, res) => {
        if (draining) res.shouldKeepAlive = false;
        onRequest();
        inner(req, res);
      },
    );
    // A connection silent for the idle timeout is cut when the client is the one stalling: a body
    // that stopped arriving, or a response the client stopped reading. A complete request whose
    // handler is still working (or streams slowly) is the app's business and is left alone.
    server.setTimeout(opts.idleTimeoutMs, (socket: Socket) => {
      const res = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      if (res && res.req.complete && socket.writableLength === 0) return;
      socket.destroy();
    });
    // Per connection, not per request: the request path stays as lean as plain node:http.
    const sockets = new Set<Socket>();
    let draining = false;
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
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
        // After the grace, close what is idle, and busy connections as their response ends.
        let poll: NodeJS.Timeout | undefined;
        const grace = setTimeout(() => {
          server.closeIdleConnections();
          poll = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
        }, DRAIN_GRACE_MS);
        return closed!.finally(() => {
          clearTimeout(grace);
          clearInterval(poll);
        });
      },
      forceClose() {
        for (const socket of sockets) socket.destroy();
      },
      connections: () => sockets.size,
    } satisfies RunningServer;
  },
};
