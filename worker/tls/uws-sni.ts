// SNI on uWebSockets.js 20.30: addServerName(name, files) makes the handshake serve that pair,
// but requests on such a connection are routed through a route table of that name's own, empty
// unless routes are registered under app.domain(name). So the routes the worker and the app
// register are recorded as they are made, and replayed under each SNI name once they are all in.
import { withQuietStdout } from '../../sys/quiet-stdout.js';
import type { TlsCertificates } from '../contract.js';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'del', 'options', 'head', 'connect', 'trace', 'any', 'ws']);

interface SniApp {
  addServerName(name: string, options: object): unknown;
  domain(name: string): unknown;
}

/**
 * Without --sni: `app` itself. With it: a stand-in for `app` that records route registrations,
 * and `finish()`, which adds every SNI name and replays the routes under it.
 */
export function sniRoutes<A extends object>(app: A, tls: TlsCertificates | undefined): { app: A; finish(): void } {
  if (!tls?.sniNames().length) return { app, finish() {} };
  const calls: Array<[string, unknown[]]> = [];
  const target = app as Record<string, unknown>;
  const recording: A = new Proxy(app, {
    get(_, prop) {
      const value = target[prop as string];
      if (typeof value !== 'function') return value;
      if (!ROUTE_METHODS.has(prop as string)) return value.bind(app);
      return (...args: unknown[]) => {
        calls.push([prop as string, args]);
        (value as (...a: unknown[]) => unknown).apply(app, args);
        return recording;
      };
    },
  });
  return {
    app: recording,
    finish() {
      const sni = app as unknown as SniApp;
      withQuietStdout(() => {
        tls.withUwsSni((name, files) => {
          sni.addServerName(name, files);
          sni.domain(name);
          for (const [method, args] of calls) (target[method] as (...a: unknown[]) => unknown).apply(app, args);
        });
        // Back to the main route table ('' names no SNI entry), for anything registered later.
        sni.domain('');
      });
    },
  };
}
