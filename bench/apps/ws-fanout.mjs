// Fan-out bench app: /sub joins the topic `room`, /pub publishes every message it sends to it.
export default {
  fetch(request, server) {
    const { pathname } = new URL(request.url);
    return server.upgrade(request, { data: { sub: pathname === '/sub' } }) ? undefined : new Response('ws only', { status: 426 });
  },
  websocket: {
    open(ws) {
      if (ws.data.sub) ws.subscribe('room');
    },
    message(ws, message) {
      ws.publish('room', message);
    },
  },
};
