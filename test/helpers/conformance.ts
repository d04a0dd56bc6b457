// HTTP/1.1 conformance over raw sockets: the table of cases, one conversation per case (bytes
// sent in steps, what came back, when the server closed), and the outcome a case is judged by.
// The expected outcome of a case is what plain node:http does with it (the oracle server below),
// compared by status class and close behaviour, so node's own choices (400 vs 505, 408 vs a
// silent close) set the bar rather than our reading of the RFC.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, statusesIn } from './raw.js';
import type { Target } from './http.js';

/** Bytes to write, after waiting `waitMs` from the previous step. */
export interface Step {
  bytes: string | Buffer;
  waitMs?: number;
}

export interface ConformanceCase {
  name: string;
  steps: Step[];
  /**
   * The outcome when plain node:http is not the judge: node has no timer for a request body
   * that stops arriving (requestTimeout 0), so there the expected close comes from our own idle
   * timer (the node backend's sweep, the uws backend's body timer).
   */
  expect?: Outcome;
}

/**
 * - prompt: the server closed within PROMPT_MS of our last byte (an answer, then close);
 * - idle: it closed later, by an idle/header timer, before the deadline;
 * - open: it was still open at the deadline (keep-alive, or a hang).
 */
export type Closing = 'prompt' | 'idle' | 'open';

export interface Outcome {
  /** Status classes of every response head, in order: '1xx', '2xx', '4xx'... */
  classes: string[];
  closing: Closing;
}

export interface Observed extends Outcome {
  statuses: number[];
  /** When the server closed, in ms after our last byte (undefined: it did not). */
  closedAfterMs?: number;
  head: string;
}

export const IDLE_TIMEOUT_S = 2;
// Well under the idle timeout, well over what a loaded machine takes to answer a 400.
export const PROMPT_MS = 1500;
/** We cut the connection ourselves this long after the last byte. */
export const DEADLINE_MS = IDLE_TIMEOUT_S * 1000 + 3000;

const H = 'Host: x\r\n';
const one = (bytes: string): Step[] => [{ bytes: Buffer.from(bytes, 'latin1') }];
const GOOD = `GET / HTTP/1.1\r\n${H}\r\n`;

function post(headers: string, body = ''): Step[] {
  return one(`POST /echo HTTP/1.1\r\n${H}${headers}\r\n${body}`);
}

export const CASES: ConformanceCase[] = [
  { name: 'valid GET', steps: one(GOOD) },
  { name: 'Connection: close', steps: one(`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`) },
  { name: 'missing Host', steps: one('GET / HTTP/1.1\r\n\r\n') },
  {
    // node:http serves it (with the first Host); RFC 9112 3.2 says a server MUST answer 400.
    name: 'duplicate Host',
    steps: one(`GET / HTTP/1.1\r\n${H}Host: y\r\n\r\n`),
    expect: { classes: ['4xx'], closing: 'prompt' },
  },
  { name: 'negative Content-Length', steps: post('Content-Length: -1\r\n') },
  { name: 'overflowing Content-Length', steps: post('Content-Length: 99999999999999999999\r\n', 'abcd') },
  { name: 'non-numeric Content-Length', steps: post('Content-Length: abc\r\n', 'abcd') },
  { name: 'Content-Length with trailing junk', steps: post('Content-Length: 4x\r\n', 'abcd') },
  { name: 'two different Content-Lengths', steps: post('Content-Length: 4\r\nContent-Length: 5\r\n', 'abcde') },
  { name: 'two equal Content-Lengths', steps: post('Content-Length: 4\r\nContent-Length: 4\r\n', 'abcd') },
  { name: 'CL + TE in mixed case', steps: post('Transfer-Encoding: Chunked\r\nContent-Length: 4\r\n', '0\r\n\r\n') },
  { name: 'Transfer-Encoding other than chunked', steps: post('Transfer-Encoding: gzip\r\n', 'abcd') },
  { name: 'bare LF line endings', steps: one(`GET / HTTP/1.1\nHost: x\n\n`) },
  { name: 'space in a header name', steps: one(`GET / HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`) },
  { name: 'separator in a header name', steps: one(`GET / HTTP/1.1\r\n${H}X(y): z\r\n\r\n`) },
  { name: 'control byte in a header value', steps: one(`GET / HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`) },
  { name: 'NUL in a header value', steps: one(`GET / HTTP/1.1\r\n${H}X: a\0b\r\n\r\n`) },
  { name: 'HTTP/1.2', steps: one(`GET / HTTP/1.2\r\n${H}\r\n`) },
  { name: 'HTTP/9.9', steps: one(`GET / HTTP/9.9\r\n${H}\r\n`) },
  { name: 'HTTX/1.1', steps: one(`GET / HTTX/1.1\r\n${H}\r\n`) },
  { name: 'missing version', steps: one(`GET /\r\n${H}\r\n`) },
  { name: 'garbage method', steps: one(`G@T / HTTP/1.1\r\n${H}\r\n`) },
  { name: 'leading junk bytes', steps: one(`\x01\x02junk GET / HTTP/1.1\r\n${H}\r\n`) },
  { name: 'leading empty line', steps: one(`\r\n${GOOD}`) },
  {
    name: 'Expect: 100-continue',
    steps: [{ bytes: `POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n` }, { bytes: 'hello', waitMs: 300 }],
  },
  { name: 'chunked body', steps: post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n0\r\n\r\n') },
  { name: 'chunked body, TE in mixed case', steps: post('Transfer-Encoding: Chunked\r\n', '5\r\nhello\r\n0\r\n\r\n') },
  { name: 'bad chunk size', steps: post('Transfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n0\r\n\r\n') },
  {
    name: 'missing terminal chunk',
    steps: post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n'),
    expect: { classes: [], closing: 'idle' },
  },
  { name: 'head one byte at a time', steps: [...GOOD].map((c, i) => ({ bytes: c, waitMs: i ? 3 : 0 })) },
  { name: 'head that never completes', steps: one(`GET / HTTP/1.1\r\n${H}X-Slow: 1\r\n`) },
  { name: 'HTTP/1.0 request', steps: one('GET / HTTP/1.0\r\n\r\n') },
  { name: 'absolute-form target', steps: one(`GET http://x/ HTTP/1.1\r\n${H}\r\n`) },
];

/** Sends the steps on a fresh connection and watches until the server closes or the deadline. */
export function converse(target: Target, steps: Step[]): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const sock = connect(target);
    sock.setNoDelay(true);
    const chunks: Buffer[] = [];
    let connected = false;
    let lastSent = 0;
    let deadline: NodeJS.Timeout | undefined;
    let closedAfterMs: number | undefined;
    const send = async () => {
      for (const s of steps) {
        if (s.waitMs) await new Promise((r) => setTimeout(r, s.waitMs));
        if (sock.destroyed) break;
        sock.write(typeof s.bytes === 'string' ? Buffer.from(s.bytes, 'latin1') : s.bytes, () => undefined);
      }
      lastSent = performance.now();
      deadline = setTimeout(() => sock.destroy(), DEADLINE_MS);
    };
    sock.on('connect', () => {
      connected = true;
      void send();
    });
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (err) => {
      if (!connected) reject(err);
    });
    // The server's FIN (or reset) is when it closed; our own destroy at the deadline is not.
    const serverClosed = () => (closedAfterMs ??= lastSent ? performance.now() - lastSent : 0);
    sock.on('end', serverClosed);
    sock.on('error', serverClosed);
    sock.on('close', () => {
      clearTimeout(deadline);
      if (!connected) return;
      const data = Buffer.concat(chunks);
      const statuses = statusesIn(data);
      const closing: Closing = closedAfterMs === undefined ? 'open' : closedAfterMs < PROMPT_MS ? 'prompt' : 'idle';
      resolve({ statuses, classes: statuses.map((s) => `${String(s)[0]}xx`), closing, closedAfterMs, head: data.toString('latin1').split('\r\n')[0] });
    });
  });
}

/**
 * Whether `got` matches `want`. After a 2xx, keep-alive is keep-alive however long the server
 * keeps it ('idle' and 'open' alike: uWS holds idle connections for its built-in 10 s);
 * otherwise how the connection ends is the point (a 400 and close, a timer, or a hang).
 */
export function sameOutcome(want: Outcome, got: Outcome): boolean {
  // A header timer may answer 408 before it closes, or just close (node:http does either).
  if (want.closing === 'idle' && want.classes.join() === '4xx' && got.closing === 'idle' && got.classes.length === 0) return true;
  if (want.classes.join() !== got.classes.join()) return false;
  if (want.classes.at(-1) === '2xx' && want.closing !== 'prompt') return got.closing !== 'prompt';
  return want.closing === got.closing;
}

export function describeOutcome(o: Observed): string {
  const when = o.closedAfterMs === undefined ? `open at ${DEADLINE_MS} ms` : `closed after ${Math.round(o.closedAfterMs)} ms`;
  return `${o.statuses.length ? o.statuses.join(',') : 'no answer'}, ${o.closing} (${when})`;
}

/**
 * Plain node:http as the judge, with the worker's timers: headersTimeout and keepAliveTimeout
 * at the idle timeout, checked often enough to matter. Every request gets 200 once its body is
 * read.
 */
export async function startOracle(): Promise<{ target: Target; close(): void }> {
  const idleMs = IDLE_TIMEOUT_S * 1000;
  const server = http.createServer({ headersTimeout: idleMs, keepAliveTimeout: idleMs, requestTimeout: 0, connectionsCheckingInterval: 250 }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: { host: '127.0.0.1', port },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
