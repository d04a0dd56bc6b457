// [circus] metrics_endpoint: the supervisor's HTTP endpoint for load balancers, monitors and
// people with curl. A table of GET routes (health, status; metrics can be added the same way),
// each answering one body; anything else is 404 or 405. Loopback only unless allowed (like the
// control endpoint: it has no authentication). Hostile input costs one connection.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import { EXIT, SupervisorError } from '../errors.js';
import { log } from '../log.js';
import { json, type HttpAnswer } from './http-answer.js';

/** A route's handler: the path's captured groups in, one answer out. */
export type RouteHandler = (params: string[], req: IncomingMessage) => HttpAnswer | Promise<HttpAnswer>;

interface Route {
  path: string;
  pattern: RegExp;
  handler: RouteHandler;
}

const MAX_CONNECTIONS = 1024;
const HEADERS_TIMEOUT_MS = 5000;

export class HttpEndpoint {
  private readonly routes: Route[] = [];
  private readonly server: http.Server;
  address = '';

  constructor(private readonly endpoint: Extract<Endpoint, { kind: 'tcp' }>) {
    this.server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: 5000 }, (req, res) => void this.answer(req, res));
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /**
   * Adds `GET path` (HEAD too). A `:name` segment matches one non-empty path segment and is
   * passed, URL-decoded, in the handler's params; the rest matches exactly. First match answers.
   */
  get(path: string, handler: RouteHandler): this {
    const pattern = new RegExp(`^${path.split('/').map((seg) => (seg.startsWith(':') ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
    this.routes.push({ path, pattern, handler });
    return this;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let a: HttpAnswer;
    try {
      a = await this.route(req);
    } catch (err) {
      log.warn(`http endpoint: ${req.method} ${req.url}: ${(err as Error).message}`);
      a = json(500, { status: 'error', reason: (err as Error).message });
    }
    const headers: Record<string, string> = { 'content-type': a.type ?? 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(a.body)) };
    if (a.status === 405) headers.allow = 'GET, HEAD';
    res.writeHead(a.status, headers);
    res.end(req.method === 'HEAD' ? undefined : a.body);
  }

  private async route(req: IncomingMessage): Promise<HttpAnswer> {
    const path = (req.url ?? '/').split('?')[0];
    const route = this.routes.find((r) => r.pattern.test(path));
    if (!route) return json(404, { status: 'error', reason: `no route ${path} (routes: ${this.routes.map((r) => r.path).join(' ')})` });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { status: 'error', reason: `${req.method} is not allowed here; use GET` });
    let params: string[];
    try {
      params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return json(400, { status: 'error', reason: `malformed %-escape in ${path}` });
    }
    return route.handler(params, req);
  }

  async listen(): Promise<void> {
    const ep = this.endpoint;
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen({ host: ep.host, port: ep.port }, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw new SupervisorError('EMETRICSENDPOINT', `cannot listen on metrics_endpoint ${ep.url}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.ENDPOINT);
    }
    const a = this.server.address();
    this.address = typeof a === 'object' && a ? `tcp://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` : ep.url;
    log.info(`http endpoint on ${this.address} (GET ${this.routes.map((r) => r.path).join(', ')})`);
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
