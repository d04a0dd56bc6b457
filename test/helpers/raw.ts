// The one raw-socket client of the test suites: send exact bytes over TCP or a Unix socket, and
// report what came back and whether the server closed the connection (as opposed to our own
// deadline cutting it). A connection that cannot be made rejects: "nobody listening" must never
// pass for "the server closed without answering".
import net from 'node:net';
import type { Target } from './http.js';

export interface RawResult {
  data: Buffer;
  /** `data` decoded as UTF-8. */
  text: string;
  /** The server ended or reset the connection before our deadline. */
  closedByServer: boolean;
  /** Time from the connect call to the close (or to the deadline). */
  ms: number;
  /** Status codes of every HTTP response head seen in the reply, in order. */
  statuses: number[];
}

export interface ExchangeOptions {
  /** Cut the connection ourselves after this long (default 2000 ms). */
  timeoutMs?: number;
  /** Send the first 100 bytes, then the rest `gapMs` later, so the server cannot read them in one go. */
  gapMs?: number;
}

export function connect(target: Target): net.Socket {
  return 'socketPath' in target ? net.connect(target.socketPath) : net.connect(target.port, target.host);
}

/** HTTP status lines at the start of the reply or right after a previous response. */
export function statusesIn(data: Buffer): number[] {
  return [...data.toString('latin1').matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

export function exchange(target: Target, bytes: Buffer | string, opts: ExchangeOptions = {}): Promise<RawResult> {
  const { timeoutMs = 2000, gapMs = 0 } = opts;
  return new Promise((resolve, reject) => {
    const sock = connect(target);
    const chunks: Buffer[] = [];
    const t0 = performance.now();
    let connected = false;
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      sock.destroy();
    }, timeoutMs);
    sock.on('connect', () => {
      connected = true;
      const all = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
      if (gapMs <= 0) return void sock.write(all, () => undefined);
      sock.write(all.subarray(0, 100));
      setTimeout(() => sock.writable && sock.write(all.subarray(100), () => undefined), gapMs);
    });
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (err) => {
      // After the connect, a reset or EPIPE is the server closing on us.
      if (!connected) {
        clearTimeout(timer);
        reject(err);
      }
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!connected) return;
      const data = Buffer.concat(chunks);
      resolve({ data, text: data.toString(), closedByServer, ms: performance.now() - t0, statuses: statusesIn(data) });
    });
  });
}

/** What came back, as text, until the server closed or `timeoutMs` passed. */
export async function raw(target: Target, bytes: Buffer | string, timeoutMs = 2000): Promise<string> {
  return (await exchange(target, bytes, { timeoutMs })).text;
}
