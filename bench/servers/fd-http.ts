// Prefork without a cluster primary: node:http on the listening socket inherited as fd 3.
// Usage: node fd-http.js <node|hono>
import http from 'node:http';
import { announceReady, loadListener, parseKind } from './app-listener.js';

const server = http.createServer(await loadListener(parseKind(process.argv[2])));
server.listen({ fd: 3 }, announceReady);
