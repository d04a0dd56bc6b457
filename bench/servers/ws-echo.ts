// The plain peer for the WebSocket bench: one `ws` WebSocketServer on node:http, echoing.
//   node build/bench/servers/ws-echo.js PORT
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on('listening', () => process.stdout.write(`ws-echo serving 127.0.0.1:${port}\n`));
