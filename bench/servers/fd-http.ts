// Prefork without a cluster primary: node:http on the listening socket inherited as fd 3.
// Usage: node fd-http.js <node|hono> [--bind host:port]
// --bind (for running it by hand) makes the listening socket the same way the bench does and
// serves it through the same listen({ fd }) path.
import http from 'node:http';
import { createListener } from '../../sys/sockets.js';
import { announceReady, loadListener, parseKind } from './app-listener.js';

function listeningFd(args: string[]): number {
  const i = args.indexOf('--bind');
  if (i < 0) return 3;
  const m = /^([\d.]+):(\d+)$/.exec(args[i + 1] ?? '');
  if (!m) throw new Error(`--bind expects an IPv4 host:port, got ${JSON.stringify(args[i + 1])}`);
  return createListener({ address: { family: 'AF_INET', host: m[1], port: Number(m[2]) }, backlog: 4096 }).fd;
}

const server = http.createServer(await loadListener(parseKind(process.argv[2])));
server.listen({ fd: listeningFd(process.argv.slice(3)) }, announceReady);
