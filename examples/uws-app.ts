// A uWebSockets.js-native app: export `uws(app)` and register routes on the raw uWS app.
// The worker owns listening (inherited fd or --bind), graceful shutdown and logging.
// Run it: npx circus-worker --bind 127.0.0.1:8080 examples/uws-app.ts
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';

export function uws(app: TemplatedApp): void {
  app.get('/', (res) => {
    res.writeHeader('content-type', 'text/plain; charset=utf-8').end('Hello from uWebSockets.js\n');
  });

  app.get('/json', (res, req) => {
    const name = req.getQuery('name') || 'world';
    res.writeHeader('content-type', 'application/json').end(JSON.stringify({ hello: name, pid: process.pid }));
  });

  // Anything answered after the handler returns needs onAborted, and cork around the writes.
  app.get('/later', (res: HttpResponse) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    setTimeout(() => {
      if (!aborted) res.cork(() => res.end('answered later\n'));
    }, 10);
  });

  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').end('Not Found\n');
  });
}
