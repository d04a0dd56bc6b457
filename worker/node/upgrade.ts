// node:http's 'upgrade' event, for a fetch app with a websocket handler. node hands such a request
// over with its raw socket and no response object: a WebSocket handshake is checked (400 if
// malformed), refused with 1001 while draining, or given to the app with an upgrade capability
// and a response written onto the socket; any other Upgrade (h2c, ...) is served as plain HTTP.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handshakeProblem, REFUSAL_HEADERS, wantsWebSocket } from '../fetch/handshake.js';
import type { UpgradeOptions } from '../fetch/websocket-options.js';
import type { Logger } from '../log.js';
import type { NodeWebSockets } from './websocket.js';
import type { ObservedResponse } from './observed-response.js';

export type UpgradeListener = (req: IncomingMessage, res: ServerResponse, upgrade?: (options: UpgradeOptions) => boolean) => void;

/** A response written straight to `socket`, which it closes when done (no keep-alive after it). */
function responseOn(req: IncomingMessage, socket: Socket, Response: typeof ServerResponse): ObservedResponse {
  const res = new Response(req) as ObservedResponse;
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.settle(res.statusCode); // detached, it will not see the socket's close
    res.detachSocket(socket);
    socket.destroySoon();
  });
  return res;
}

function refuse(socket: Socket, problem: string): void {
  const body = `Bad Request: ${problem}\n`;
  const extra = REFUSAL_HEADERS.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
}

export interface UpgradeHandling {
  websockets: NodeWebSockets;
  listener: UpgradeListener;
  /** The server's ServerResponse class: upgrade requests are observed as the 'request' path's are. */
  Response: typeof ServerResponse;
  log: Logger;
  draining(): boolean;
}

export function upgradeHandler(h: UpgradeHandling) {
  return (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const res = responseOn(req, socket, h.Response);
    res.observe();
    socket.on('error', () => socket.destroy());
    if (!wantsWebSocket(req.headers.upgrade)) return h.listener(req, res);
    const problem = handshakeProblem(req.method ?? '', req.headers['sec-websocket-key'], req.headers['sec-websocket-version'] as string | undefined);
    if (problem) {
      h.log.debug(`${req.method} ${(req.url ?? '').slice(0, 40)}: ${problem}; answered 400`);
      res.settle(400);
      return refuse(socket, problem);
    }
    if (h.draining()) {
      res.settle(101);
      return h.websockets.refuse(req, socket, head);
    }
    h.listener(req, res, (options) => {
      if (res.headersSent) return false;
      res.detachSocket(socket);
      const upgraded = h.websockets.upgrade(req, socket, head, options, req.url ?? '/');
      if (upgraded) res.settle(101);
      return upgraded;
    });
  };
}
