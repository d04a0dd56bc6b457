// Prefork without a cluster primary: node:http on the listening socket inherited as fd 3.
// Usage: node fd-http.js <node|hono> [--bind host:port] [--certfile PEM --keyfile PEM [--http2]]
// --bind (for running it by hand) makes the listening socket the same way the bench does and
// serves it through the same listen({ fd }) path (its RSS then includes koffi, ~4-5 MB).
// --certfile/--keyfile make it node:https (bench/tls.sh's baseline for the worker's TLS); with
// --http2, node:http2's secure server with HTTP/1.1 fallback, as the worker's --http2 builds it.
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { announceReady, loadListener, parseKind } from './app-listener.js';

async function listeningFd(args: string[]): Promise<number> {
  const i = args.indexOf('--bind');
  if (i < 0) return 3;
  const m = /^([\d.]+):(\d+)$/.exec(args[i + 1] ?? '');
  if (!m) throw new Error(`--bind expects an IPv4 host:port, got ${JSON.stringify(args[i + 1])}`);
  // Loaded only here: koffi costs memory that a bare node:http server on an inherited fd does not have.
  const { createListener } = await import('../../sys/sockets.js');
  return createListener({ address: { family: 'AF_INET', host: m[1], port: Number(m[2]) }, backlog: 4096 }).fd;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

const args = process.argv.slice(3);
const listener = await loadListener(parseKind(process.argv[2]));
const certfile = option(args, '--certfile');
const keyfile = option(args, '--keyfile');
if ((certfile === undefined) !== (keyfile === undefined)) throw new Error('--certfile and --keyfile go together');
const tls = certfile && keyfile ? { cert: fs.readFileSync(certfile), key: fs.readFileSync(keyfile) } : undefined;
const h2 = args.includes('--http2');
if (h2 && !tls) throw new Error('--http2 needs --certfile and --keyfile');
const server = !tls
  ? http.createServer(listener)
  : h2
    ? (http2.createSecureServer({ ...tls, allowHTTP1: true }, listener as never) as unknown as http.Server)
    : https.createServer(tls, listener);
server.listen({ fd: await listeningFd(args) }, announceReady);
