// Control endpoint addresses: tcp://host:port, unix:///path (ipc:///path as Circus/ZeroMQ spell it).
import net from 'node:net';

export type Endpoint = { kind: 'tcp'; host: string; port: number; url: string } | { kind: 'unix'; path: string; url: string };

export const DEFAULT_ENDPOINT = 'tcp://127.0.0.1:5555';

/** Parses an endpoint URL; returns an error sentence instead of throwing so callers can name the source. */
export function parseEndpoint(url: string): Endpoint | string {
  const unix = /^(?:unix|ipc):\/\/(.+)$/.exec(url);
  if (unix) {
    if (!unix[1].startsWith('/')) return `a Unix endpoint needs an absolute path (unix:///path), got "${url}"`;
    return { kind: 'unix', path: unix[1], url };
  }
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  if (!tcp) return `expected tcp://HOST:PORT or unix:///PATH, got "${url}"`;
  const host = tcp[1].replace(/^\[|\]$/g, '');
  const port = Number(tcp[2]);
  if (port > 65535) return `port ${port} is out of range in "${url}"`;
  return { kind: 'tcp', host, port, url };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}
