// Node's standard prefork: a cluster primary forks N workers that each run node:http on one port.
// Usage: node cluster.js <node|hono> <port> <workers>
import cluster from 'node:cluster';
import http from 'node:http';
import { announceReady, loadListener, parseKind } from './app-listener.js';

const [kindArg, portArg, workersArg] = process.argv.slice(2);
const kind = parseKind(kindArg);
const port = Number(portArg);
const workers = Number(workersArg ?? 2);

if (cluster.isPrimary) {
  // Default signal handling on purpose: when the primary dies, workers see the IPC channel
  // close and exit, which is how a plain cluster app behaves.
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const server = http.createServer(await loadListener(kind));
  server.listen(port, '127.0.0.1', announceReady);
}
