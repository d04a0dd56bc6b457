// The script PM2 runs in cluster mode: node:http with the bench's node handler on $BENCH_PORT.
// CommonJS because PM2's cluster container requires the script; the handler is ESM, so import() it.
const http = require('node:http');
const path = require('node:path');

const handlerPath = path.resolve(__dirname, '../../build/bench/apps/node-handler.js');
import(handlerPath).then(({ default: handler }) => {
  const server = http.createServer(handler);
  server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => {
    process.stdout.write(`bench-server[${process.pid}] ready\n`);
  });
});
