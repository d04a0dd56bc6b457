// The WebSocket echo app for `npm run bench:ws`, Bun style: every message comes straight back.
export default {
  fetch(request, server) {
    if (server.upgrade(request)) return undefined;
    return new Response('websocket echo\n');
  },
  websocket: {
    message(ws, message) {
      ws.send(message);
    },
  },
};
