// uWebSockets.js backend. uWS cannot listen on an existing fd, so it opens a throwaway loopback
// listener and, inside the synchronous listen callback, the inherited socket is dup2'ed over
// it (sys/adopt-fd.ts). The worker keeps owning the lifecycle: requests are counted as they
// start and end, so a drain can stop accepting, let in-flight responses finish (each ending
// with Connection: close) and then close whatever idle keep-alive connections remain.
import { adoptOnto, newSocketFd, socketSnapshot } from '../../sys/adopt-fd.js';
import type { FdDescription } from '../../sys/sockets.js';
import type { TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import { WorkerError } from '../error-codes.js';
import { fetchUwsHandler } from './fetch.js';
import type { Exchange, ExchangeTracker } from './exchange.js';
import { checkServes, type TlsCertificates, type AppHandler, type HealthCheck, type Backend, type RequestObserver, type RunningServer, type ServeOptions } from '../contract.js';
import { requestMaker } from '../fetch/request.js';
import { FetchServer, plainHost } from '../fetch/server.js';
import { loadUwsModule, type UwsModule } from './load-module.js';
import { nativeTools, trackNativeApp, type NativeTracker } from './native.js';
import { UwsWebSockets } from './websocket.js';
import { sniRoutes } from '../tls/uws-sni.js';

/** A drain closes the remaining (idle) connections once no request has started for this long. */
const DRAIN_QUIET_MS = 250;

/** uWS closes keep-alive connections idle for this long; it is fixed at build time. */
const UWS_IDLE_TIMEOUT_MS = 10_000;

/**
 * uWS does not say when a client answers a close frame (its close handler runs as the frame is
 * sent), so a drain gives clients this long to answer before the rest are cut.
 */
const CLOSE_REPLY_MS = 1000;

/** In-flight accounting shared by the fetch path and native handlers. */
class Flight {
  inflight = 0;
  draining = false;
  /** When the latest request started (performance.now()). */
  lastBegin = 0;
  /** WebSockets of a uws-native app's own ws() routes. */
  readonly nativeSockets = new Set<WebSocket<unknown>>();
  private whenIdle?: () => void;

  constructor(private readonly requests: RequestObserver) {}

  get logs(): boolean {
    return this.requests.logs;
  }

  get timed(): boolean {
    return this.requests.timed;
  }

  // The one place this backend tells the request observer (fetch path and native handlers alike).
  begin(): void {
    this.inflight++;
    this.lastBegin = performance.now();
    this.requests.begin();
  }

  end(method: string, url: string, status: number, t0: number): void {
    this.inflight--;
    this.requests.end(method, url, status, t0);
    if (this.inflight === 0 && this.whenIdle) this.whenIdle();
  }

  /** Calls `fn` once nothing is in flight (now, if that is already so). */
  onIdle(fn: () => void): void {
    if (this.inflight === 0) return fn();
    this.whenIdle = () => {
      this.whenIdle = undefined;
      fn();
    };
  }
}

function exchangeTracker(flight: Flight): ExchangeTracker {
  return {
    begin: () => flight.begin(),
    end: (ex: Exchange) => flight.end(ex.method, ex.target, ex.status, ex.t0),
    get draining() {
      return flight.draining;
    },
    logs: flight.logs,
    timed: flight.timed,
  };
}

function nativeTracker(flight: Flight): NativeTracker {
  return {
    opened: (ws) => flight.nativeSockets.add(ws),
    closed: (ws) => flight.nativeSockets.delete(ws),
    begin: () => flight.begin(),
    end: (method, url, status, t0) => flight.end(method, url, status, t0),
    get draining() {
      return flight.draining;
    },
    logs: flight.logs,
    timed: flight.timed,
  };
}

/** Opens uWS's placeholder listener and adopts the inherited fd in its place. */
function listenOnFd(uws: UwsModule, app: TemplatedApp, listen: FdDescription): us_listen_socket {
  const before = socketSnapshot();
  let called = false;
  let socket: us_listen_socket | undefined;
  let error: unknown;
  app.listen('127.0.0.1', 0, (ls) => {
    called = true;
    if (!ls) {
      error = new Error('uWebSockets.js could not open its placeholder listener on 127.0.0.1 (is the loopback interface up?)');
      return;
    }
    try {
      adoptOnto(listen.fd, newSocketFd(before));
      socket = ls;
    } catch (err) {
      uws.us_listen_socket_close(ls);
      error = err;
    }
  });
  if (!called) {
    throw new WorkerError('EUWS_ADOPT', 'this uWebSockets.js build does not run the listen callback synchronously, so the inherited socket cannot be adopted safely; use --backend node');
  }
  if (!socket) {
    throw new WorkerError('EUWS_ADOPT', `cannot hand fd ${listen.fd} (${listen.label}) to uWebSockets.js: ${(error as Error).message}`);
  }
  return socket;
}

/** --health-path, answered here (a static route wins over the app's wildcard ones in uWS). */
function registerHealth(app: TemplatedApp, health: HealthCheck, flight: Flight): void {
  app.any(health.path, (res, req) => {
    const h = health.reply();
    const head = req.getMethod().toLowerCase() === 'head';
    res.cork(() => {
      res.writeStatus(h.status === 200 ? '200 OK' : '503 Service Unavailable').writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-store');
      if (!head) return void res.end(h.body, flight.draining);
      // As write-response.ts does it: endWithoutBody's own arguments misbehave in uWS 20.30.
      res.writeHeader('content-length', String(Buffer.byteLength(h.body)));
      if (flight.draining) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    });
  });
}

async function register(uws: UwsModule, app: TemplatedApp, handler: AppHandler, opts: ServeOptions, flight: Flight): Promise<UwsWebSockets | undefined> {
  checkServes('uws', handler.kind);
  if (opts.health) registerHealth(app, opts.health, flight);
  switch (handler.kind) {
    case 'fetch': {
      const { websocket } = handler;
      const ws = websocket && new UwsWebSockets(uws, app, websocket.handler, websocket.options, opts.log, opts.requests.logs).relayThrough(opts.pubsub);
      const pending = () => flight.inflight;
      const serve = fetchUwsHandler(handler.fetch, {
        maxBody: opts.maxBody,
        bodyTimeoutMs: opts.idleTimeoutMs,
        log: opts.log,
        tracker: exchangeTracker(flight),
        newRequest: requestMaker(opts.lazyRequest),
        server: new FetchServer(ws ? ws.host(pending) : plainHost(pending)),
        websockets: ws,
        secure: opts.tls !== undefined,
      });
      // The ws route takes GETs with a WebSocket key and runs the same fetch path.
      if (ws) app.ws('/*', ws.behavior(serve));
      app.any('/*', serve);
      return ws;
    }
    case 'uws':
      await handler.register(trackNativeApp(app, nativeTracker(flight)), nativeTools);
  }
  return undefined;
}

function createBackend(uws: UwsModule): Backend {
  return {
    name: 'uws',
    async serve(handler, opts) {
      // TLS: SSLApp on the same fd adoption. Renewals wait for a restart (circus-ctl reload): uWS
      // 20.30 cannot replace SSLApp's own certificate, and removeServerName() with keep-alive
      // connections of that name open crashed the process (SIGSEGV, measured), so no SNI swap either.
      const app = opts.tls ? sslApp(uws, opts.tls) : uws.App();
      const flight = new Flight(opts.requests);
      const routes = sniRoutes(app, opts.tls);
      const hub = (await register(uws, routes.app, handler, opts, flight))?.hub;
      routes.finish();
      if (opts.idleTimeoutMs !== UWS_IDLE_TIMEOUT_MS) {
        opts.log.debug(`the uws backend closes idle keep-alive connections after ${UWS_IDLE_TIMEOUT_MS / 1000}s (built into uWS); --idle-timeout bounds stalled request bodies only`);
      }
      let listenSocket: us_listen_socket | undefined = listenOnFd(uws, app, opts.listen);
      const closeApp = () => (app as { close?: () => void }).close?.();

      const running: RunningServer = {
        stopAccepting() {
          if (listenSocket) uws.us_listen_socket_close(listenSocket);
          listenSocket = undefined;
        },
        drain() {
          flight.draining = true;
          running.stopAccepting();
          // uWS does not expose idle connections; once nothing is in flight they all are. But a
          // keep-alive client may have its next request on the wire: wait until requests stop
          // for a moment (each one served meanwhile tells its client Connection: close).
          // WebSockets get 1001 once that is so (or at once), and a moment to answer it.
          let hadSockets = 0;
          const closeSockets = () => {
            hadSockets += (hub?.size ?? 0) + flight.nativeSockets.size;
            hub?.closeAll();
            for (const ws of [...flight.nativeSockets]) ws.end(1001, 'going away'); // its close leaves the set
          };
          if (opts.webSocketClose === 'at-once') closeSockets();
          return new Promise<void>((resolve) => {
            const settle = () =>
              flight.onIdle(() => {
                const quietIn = flight.lastBegin + DRAIN_QUIET_MS - performance.now();
                if (quietIn > 0) return void setTimeout(settle, quietIn);
                closeSockets();
                // One loop turn so the last response leaves uWS before its connection closes.
                setTimeout(() => {
                  closeApp();
                  resolve();
                }, hadSockets ? CLOSE_REPLY_MS : 0);
              });
            settle();
          });
        },
        forceClose() {
          running.stopAccepting();
          closeApp();
        },
        connections: () => flight.inflight,
        webSockets: () => (hub?.size ?? 0) + flight.nativeSockets.size,
      };
      return running;
    },
  };
}

function sslApp(uws: UwsModule, tls: TlsCertificates): TemplatedApp {
  return tls.withUwsFiles((files) => {
    try {
      return uws.SSLApp(files);
    } catch (err) {
      throw new WorkerError('ETLS_FILE', `uWebSockets.js refused the certificate or key of --certfile ${tls.certfile}: ${(err as Error).message}`);
    }
  });
}

/** Loads the backend or throws an Error saying why uWebSockets.js cannot be used here. */
export async function loadUwsBackend(moduleName?: string, from?: readonly string[]): Promise<Backend> {
  const { uws, build } = loadUwsModule(moduleName, from);
  return { ...createBackend(uws), build };
}
