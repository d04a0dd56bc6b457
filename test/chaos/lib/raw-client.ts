// Raw TCP/Unix exchanges for hostile input: send exact bytes, report what came back and whether
// the server closed the connection (as opposed to our own deadline cutting it).
import net from 'node:net';
import type { Target } from '../../helpers/http.js';

export interface RawResult {
  data: Buffer;
  /** The server ended or reset the connection before our deadline. */
  closedByServer: boolean;
  /** Time from connect to close (or to the deadline). */
  ms: number;
  /** Status codes of every HTTP response head seen in the reply, in order. */
  statuses: number[];
}

export function connect(target: Target): net.Socket {
  return target.socketPath ? net.connect(target.socketPath) : net.connect(target.port!, target.host ?? '127.0.0.1');
}

/** HTTP status lines at the start of the reply or right after a previous response. */
export function statusesIn(data: Buffer): number[] {
  const text = data.toString('latin1');
  return [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

/** Sends `bytes` (in one write, or in `pieces` spaced by `gapMs`) and collects the reply. */
export function exchange(target: Target, bytes: Buffer | string, timeoutMs = 5000): Promise<RawResult> {
  return new Promise((resolve) => {
    const sock = connect(target);
    const chunks: Buffer[] = [];
    const t0 = performance.now();
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      sock.destroy();
    }, timeoutMs);
    sock.on('connect', () => sock.write(bytes, () => undefined));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => undefined); // ECONNRESET/EPIPE count as a close by the server
    sock.on('close', () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      resolve({ data, closedByServer, ms: performance.now() - t0, statuses: statusesIn(data) });
    });
  });
}
