// node:http backend: adopts the listening fd with server.listen({fd}) and tracks connections so
// a drain can close idle keep-alive sockets at once and busy ones as their response ends.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WorkerError } from '../errors.js';
import { fetchNodeListener } from '../handlers/fetch-node.js';
import { nodeStyleListener } from '../handlers/node-style.js';
import type { AppHandler, Backend, RunningServer, ServeOptions } from './types.js';

function listenerFor(handler: AppHandler, opts: ServeOptions) {
  switch (handler.kind) {
    case 'fetch':
      return fetchNodeListener(handler.fetch, opts.maxBody, opts.log);
    case 'node':
      return nodeStyleListener(handler.listener, opts.maxBody, opts.log);
    case 'uws':
      throw new WorkerError('EHANDLER_BACKEND', 'a uws-native handler (uws(app)) needs the uws backend; run with --backend uws');
  }
}

function withAccessLog(inner: (req: IncomingMessage, res: ServerResponse) => void, opts: ServeOptions) {
  if (!opts.accessLog) return inner;
  return (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    res.once('finish', () => opts.log.access({ method: req.method ?? '-', url: req.url ?? '-', status: res.statusCode, ms: performance.now() - t0 }));
    inner(req, res);
  };
}

export const nodeBackend: Backend = {
  name: 'node',
  async serve(handler, opts) {
    const listener = withAccessLog(listenerFor(handler, opts), opts);
    const server = http.createServer({
      keepAliveTimeout: opts.idleTimeoutMs,
      headersTimeout: opts.idleTimeoutMs,
      requestTimeout: 0,
      // node checks headersTimeout only this often (30 s by default), which let a slow-loris
      // client hold a connection for up to 30 s whatever --idle-timeout said.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, opts.idleTimeoutMs / 4)),
    });
    const busy = new Map<Socket, number>();
    let draining = false;

    server.on('connection', (socket: Socket) => {
      busy.set(socket, 0);
      socket.once('close', () => busy.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      if (draining) res.shouldKeepAlive = false;
      res.once('close', () => {
        const left = (busy.get(socket) ?? 1) - 1;
        busy.set(socket, left);
        if (draining && left === 0) socket.end();
      });
      opts.onRequest();
      listener(req, res);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed input costs this connection only; answer 400/431 when the socket still can.
      if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
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
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    };
    const running: RunningServer = {
      stopAccepting,
      drain() {
        draining = true;
        stopAccepting();
        for (const [socket, n] of busy) if (n === 0) socket.end();
        return closed!;
      },
      forceClose() {
        for (const socket of busy.keys()) socket.destroy();
      },
      connections: () => busy.size,
    };
    return running;
  },
};
