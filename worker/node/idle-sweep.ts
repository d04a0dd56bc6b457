// The stalled-client cut on node:http: one periodic sweep over the tracked connections instead of
// a timer per socket. A socket timer (server.setTimeout) is refreshed on every read and write,
// ~2% of the CPU of a small keep-alive request in profiles; a sweep costs nothing per request
// and cuts a stalled client between `idleMs` and `idleMs` + one sweep period after it stalled.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type Tracked = Socket & { _httpMessage?: ServerResponse | null };

/** Sweeps per idle period: a stalled client is cut at most a quarter of the timeout late. */
const SWEEPS_PER_TIMEOUT = 4;
const MAX_SWEEP_MS = 5000;

interface Progress {
  bytes: number;
  since: number;
}

/**
 * Every sweep, a connection that moved no bytes (read, or handed to the kernel) for `idleMs` is
 * destroyed when the client is the one stalling: a body that stopped arriving, a response the
 * client stopped reading, or no request at all. A complete request whose handler is still working
 * (or streams slowly) is the app's business and is left alone, and so are sockets in `exempt`
 * (WebSockets: their idle rule is the app's websocket.idleTimeout). Returns the stop function.
 */
export function sweepIdleSockets(sockets: ReadonlySet<Socket>, idleMs: number, exempt: WeakSet<Socket> = new WeakSet()): () => void {
  const seen = new WeakMap<Socket, Progress>();
  const sweep = () => {
    const now = performance.now();
    for (const socket of sockets as ReadonlySet<Tracked>) {
      if (exempt.has(socket)) continue;
      const bytes = socket.bytesRead + socket.bytesWritten - socket.writableLength;
      const last = seen.get(socket);
      if (!last || last.bytes !== bytes) {
        seen.set(socket, { bytes, since: now });
        continue;
      }
      if (now - last.since < idleMs) continue;
      const res = socket._httpMessage;
      if (res && res.req.complete && socket.writableLength === 0) continue;
      socket.destroy();
    }
  };
  const timer = setInterval(sweep, Math.max(50, Math.min(MAX_SWEEP_MS, idleMs / SWEEPS_PER_TIMEOUT)));
  timer.unref();
  return () => clearInterval(timer);
}
