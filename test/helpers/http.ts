// The one HTTP/1.1 client of the test suites: node:http over real loopback sockets (TCP or Unix),
// a fresh connection per call unless the caller passes a keep-alive agent.
import http from 'node:http';
import type { SocketAddress } from '../../sys/sockaddr.js';

export type Target = { host: string; port: number } | { socketPath: string };

/**
 * A Target from a listener's address, or from the address forms the supervisor prints:
 * "host:port", "[::1]:port", "unix:/path".
 */
export function targetOf(address: string | SocketAddress): Target {
  if (typeof address !== 'string') return address.family === 'AF_UNIX' ? { socketPath: address.path } : { host: address.host, port: address.port };
  if (address.startsWith('unix:')) return { socketPath: address.slice(5) };
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

export interface Reply {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  /** The body decoded as UTF-8. */
  body: string;
  bytes: Buffer;
  /** The body parsed as JSON (throws, naming the body, when it is not JSON). */
  json<T = any>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A Buffer[] body is sent chunked, piece by piece. */
  body?: string | Buffer | Buffer[];
  agent?: http.Agent | false;
  timeoutMs?: number;
}

export function request(target: Target | string, path = '/', opts: RequestOptions = {}): Promise<Reply> {
  const to = typeof target === 'string' ? targetOf(target) : target;
  return new Promise((resolve, reject) => {
    const req = http.request({ ...to, path, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const body = bytes.toString();
        const json = () => {
          try {
            return JSON.parse(body);
          } catch {
            throw new Error(`${path} answered ${res.statusCode} with a body that is not JSON: ${body.slice(0, 200)}`);
          }
        };
        resolve({ status: res.statusCode!, statusText: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body, bytes, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    const timeoutMs = opts.timeoutMs ?? 30000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request ${path} timed out after ${timeoutMs} ms`)));
    if (Array.isArray(opts.body)) {
      for (const piece of opts.body) req.write(piece);
      req.end();
    } else req.end(opts.body);
  });
}
