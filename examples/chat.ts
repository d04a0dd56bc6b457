// A chat in Bun's style: rooms are pub/sub topics. GET / serves the page, /chat upgrades.
//   node build/worker/cli.js --bind 127.0.0.1:8080 examples/chat.ts   then open http://127.0.0.1:8080/?room=lobby
// Topics live in one worker process unless the workers share a Redis: under circus-supervisor
// with several workers, add `env = CIRCUS_PUBSUB_URL=redis://127.0.0.1:6379` to the watcher
// (or pass --pubsub) and a room spans them all (examples/chat.ini; docs/websockets.md, "Topics
// across workers").

/** The parts of circus-worker's (Bun's) server and socket this example uses. */
interface Server {
  upgrade(request: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean;
  publish(topic: string, data: string): number;
}
interface ChatSocket {
  data: { room: string; name: string };
  send(data: string): number;
  subscribe(topic: string): void;
  publish(topic: string, data: string): number;
}

let server: Server | undefined;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>circus-worker chat</title>
<style>body{font:16px system-ui;margin:2em;max-width:40em}#log{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em}#log p{margin:.2em 0}</style>
</head><body>
<h1>Room <span id="room"></span></h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="say something" autofocus> <button id="send">Send</button></form>
<script>
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
const name = params.get('name') || 'guest-' + Math.floor(Math.random() * 1000);
document.getElementById('room').textContent = room;
const log = document.getElementById('log');
const say = (text) => { const p = document.createElement('p'); p.textContent = text; log.append(p); log.scrollTop = log.scrollHeight; };
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat?room=' + encodeURIComponent(room) + '&name=' + encodeURIComponent(name));
ws.onopen = () => document.body.dataset.connected = 'yes';
ws.onmessage = (e) => say(e.data);
ws.onclose = (e) => { document.body.dataset.connected = 'no'; say('(disconnected: ' + e.code + ')'); };
document.getElementById('form').onsubmit = (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  if (input.value) ws.send(input.value);
  input.value = '';
};
</script></body></html>`;

function clean(value: string | null, fallback: string): string {
  return (value ?? '').replace(/[^\w .-]/g, '').slice(0, 32) || fallback;
}

export default {
  fetch(request: Request, srv: Server): Response | undefined {
    server = srv;
    const url = new URL(request.url);
    if (url.pathname === '/chat') {
      const data = { room: clean(url.searchParams.get('room'), 'lobby'), name: clean(url.searchParams.get('name'), 'guest') };
      if (srv.upgrade(request, { data })) return undefined; // the response is the WebSocket now
      return new Response('this endpoint speaks WebSocket\n', { status: 426 });
    }
    if (url.pathname === '/') return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    return new Response('not found\n', { status: 404 });
  },

  websocket: {
    open(ws: ChatSocket) {
      ws.subscribe(ws.data.room);
      ws.publish(ws.data.room, `* ${ws.data.name} joined`);
      ws.send(`* you are ${ws.data.name} in ${ws.data.room}`);
    },
    message(ws: ChatSocket, message: string | Buffer) {
      const line = `${ws.data.name}: ${String(message).slice(0, 1000)}`;
      ws.publish(ws.data.room, line); // everyone else in the room
      ws.send(line); // and the sender
    },
    close(ws: ChatSocket) {
      server?.publish(ws.data.room, `* ${ws.data.name} left`);
    },
  },
};
