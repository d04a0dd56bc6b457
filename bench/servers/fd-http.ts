// Prefork without a cluster primary: node:http on the listening socket inherited as fd 3.
// Usage: node fd-http.js <node|hono> [--bind host:port]
// --bind (for running it by hand) makes the listening socket the same way the bench does and
// serves it through the same listen({ fd }) path (its RSS then includes koffi, ~4-5 MB).
import http from 'node:http';
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

const server = http.createServer(await loadListener(parseKind(process.argv[2])));
server.listen({ fd: await listeningFd(process.argv.slice(3)) }, announceReady);
