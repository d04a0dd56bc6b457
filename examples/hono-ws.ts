// A Hono app with WebSockets through hono/bun's upgradeWebSocket, exactly as written for Bun:
// circus-worker gives fetch Bun's `server` as its second argument and serves the `websocket`
// export, so it runs unchanged on either backend.
//   node build/worker/cli.js --bind 127.0.0.1:8080 examples/hono-ws.ts
import { Hono } from 'hono';
import { upgradeWebSocket, websocket } from 'hono/bun';

const app = new Hono();

app.get('/', (c) => c.text('Hono on circus-worker: connect a WebSocket to /ws\n'));

app.get(
  '/ws',
  upgradeWebSocket((c) => {
    const name = c.req.query('name') ?? 'guest';
    return {
      onOpen(_event, ws) {
        ws.send(`welcome, ${name}`);
      },
      onMessage(event, ws) {
        // Text arrives as a string, binary as an ArrayBuffer (hono/bun reads message.buffer).
        if (typeof event.data === 'string') ws.send(`${name} said: ${event.data}`);
        else ws.send(new Uint8Array(event.data as ArrayBuffer).reverse());
      },
      onClose(event) {
        console.log(`hono-ws: ${name} left (${event.code})`);
      },
    };
  }),
);

export default { fetch: app.fetch, websocket };
