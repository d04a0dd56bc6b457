// --http2 on the node backend: node:http2's secure server with allowHTTP1, so one port answers
// ALPN h2 and falls back to HTTP/1.1 (WebSockets, old clients). Requests of both kinds reach the
// same (req, res) listener through node's compatibility API. HTTP/1.1 connections stay the
// backend's business (keep-alive, sweep, drain); HTTP/2 sessions are tracked here: a drain sends
// each a GOAWAY (session.close(): streams under way finish, no new ones start).
import http, { type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';

export interface Http2Sessions {
  /** Open HTTP/2 sessions. */
  readonly size: number;
  /** Streams whose response is under way. */
  pending(): number;
  /** GOAWAY to every session; each closes once its streams are done. */
  drain(): void;
  /** Destroys every session (the graceful timeout is over). */
  destroy(): void;
}

/** Whether a connection negotiated HTTP/2 (its requests come as streams of a session). */
export const isHttp2Socket = (socket: unknown): boolean => (socket as TLSSocket).alpnProtocol === 'h2';

/** Whether a request came as an HTTP/2 stream. */
export const isHttp2Request = (req: IncomingMessage): boolean => req.httpVersionMajor === 2;

/**
 * node's rawHeaders of an HTTP/2 request start with the pseudo-headers (:method, :path…), which
 * are not headers for the app; :authority becomes the Host header HTTP/2 clients do not send.
 */
export function withoutPseudoHeaders(raw: string[]): string[] {
  let i = 0;
  let authority: string | undefined;
  for (; i < raw.length && raw[i].charCodeAt(0) === 58 /* ':' */; i += 2) if (raw[i] === ':authority') authority = raw[i + 1];
  if (i === 0) return raw;
  const rest = raw.slice(i);
  const hasHost = rest.some((name, j) => j % 2 === 0 && name.toLowerCase() === 'host');
  return authority === undefined || hasHost ? rest : ['host', authority, ...rest];
}

export function createHttp2Server(options: http.ServerOptions & http2.SecureServerOptions, listener: (req: IncomingMessage, res: http.ServerResponse) => void, idleMs: number): { server: http.Server; sessions: Http2Sessions } {
  const server = http2.createSecureServer({ ...options, allowHTTP1: true, Http1ServerResponse: options.ServerResponse ?? http.ServerResponse }, ((req: IncomingMessage, res: http.ServerResponse) => {
    // Node-style apps (Express's req.hostname) read req.headers.host, which HTTP/2 calls :authority.
    if (req.headers.host === undefined && req.httpVersionMajor === 2) req.headers.host = req.headers[':authority'] as string | undefined;
    listener(req, res);
  }) as never);
  const open = new Set<http2.ServerHttp2Session>();
  let pending = 0;
  let draining = false;
  server.on('session', (session: http2.ServerHttp2Session) => {
    open.add(session);
    session.once('close', () => open.delete(session));
    // An idle session (no stream for idleMs) is closed, as an idle keep-alive connection is.
    session.setTimeout(idleMs, () => session.close());
    if (draining) session.close();
  });
  server.on('stream', (stream: http2.ServerHttp2Stream) => {
    pending++;
    stream.once('close', () => pending--);
  });
  return {
    server: server as unknown as http.Server,
    sessions: {
      get size() {
        return open.size;
      },
      pending: () => pending,
      drain() {
        draining = true;
        for (const s of open) s.close();
      },
      destroy() {
        for (const s of open) s.destroy();
      },
    },
  };
}
