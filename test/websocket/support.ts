// Shared by the WebSocket tests: a worker per backend serving a fixture, real clients (the `ws`
// package, Node's global WebSocket, raw TCP for what no polite client sends) and a frame builder.
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { closeFd, createListener } from '../../sys/sockets.js';
import { ROOT, waitFor, type Spawned } from '../helpers/process.js';
import { uwsSkip } from '../helpers/uws-available.js';
import { ready, runWorkerOnFd } from '../helpers/worker.js';

export const ECHO_APP = path.join(ROOT, 'test/fixtures/ws/echo-app.mjs');

/** Why the uws backend cannot run here (the bundled build has binaries for Node <= 20), or undefined. */
export const UWS_SKIP: string | undefined = uwsSkip || undefined;

export const BACKENDS: Array<{ name: 'node' | 'uws'; skip?: string }> = [{ name: 'node' }, { name: 'uws', skip: UWS_SKIP }];

export interface WsWorker {
  proc: Spawned;
  port: number;
  url(path: string): string;
  /** Lines the app printed (CLOSE/DRAIN/FLOOD) and the access log, on stdout. */
  stdout(): string;
  release(): void;
}

/** A worker on an inherited loopback listener; `options` become the app's websocket options. */
export async function startWsWorker(backend: 'node' | 'uws', args: string[] = [], options: Record<string, unknown> = {}, app = ECHO_APP): Promise<WsWorker> {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const release = () => closeFd(l.fd);
  try {
    const proc = runWorkerOnFd(l.fd, ['--backend', backend, ...args, app], { WS_OPTIONS: JSON.stringify(options) });
    const got = await ready(proc);
    if (got !== backend) throw new Error(`worker came up with backend ${got}, not ${backend}`);
    const port = (l.address as { port: number }).port;
    return { proc, port, url: (p) => `ws://127.0.0.1:${port}${p}`, stdout: proc.stdout, release };
  } catch (err) {
    release();
    throw err;
  }
}

export interface Received {
  data: string | Buffer;
  binary: boolean;
}

/** A `ws` client that records what it gets; `next()` waits for the next message. */
export class Client {
  readonly ws: WebSocket;
  readonly got: Received[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private read = 0;

  constructor(url: string, protocols?: string[], opts: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, protocols, opts);
    this.ws.on('message', (d: Buffer, binary: boolean) => this.got.push({ data: binary ? d : d.toString(), binary }));
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
      this.ws.once('close', (code) => reject(new Error(`closed (${code}) before opening`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => this.ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, protocols?: string[]): Promise<Client> {
    const c = new Client(url, protocols);
    await c.opened;
    return c;
  }

  /** The next message not yet taken. */
  async next(what = 'a message', timeoutMs = 10000): Promise<Received> {
    await waitFor(() => this.got.length > this.read, what, timeoutMs, 5);
    return this.got[this.read++];
  }

  async nextText(what?: string): Promise<string> {
    const m = await this.next(what);
    if (m.binary) throw new Error(`expected a text message, got ${m.data.length} binary bytes`);
    return m.data as string;
  }

  /** Waits for a text message equal to `text`, skipping others. */
  async until(text: string, timeoutMs = 10000): Promise<void> {
    await waitFor(() => this.got.some((m) => m.data === text), `the message ${JSON.stringify(text)}`, timeoutMs, 5);
  }

  async nextJson<T = Record<string, unknown>>(what?: string): Promise<T> {
    return JSON.parse(await this.nextText(what)) as T;
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
}

/** A client frame: masked (as clients must) unless `mask` is false. */
export function frame(opcode: number, payload: Buffer | string, opts: { fin?: boolean; mask?: boolean; declaredLength?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = opts.declaredLength ?? data.length;
  const masked = opts.mask !== false;
  const head: number[] = [(opts.fin === false ? 0 : 0x80) | opcode];
  const m = masked ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 255);
  else {
    head.push(m | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(len));
    head.push(...big);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A raw TCP connection that has completed the WebSocket handshake; it records every byte. */
export interface RawSocket {
  socket: net.Socket;
  /** Bytes received after the 101 head. */
  received(): Buffer;
  closed: Promise<void>;
  isClosed(): boolean;
}

export function handshakeRequest(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

export async function rawWebSocket(port: number, path: string): Promise<RawSocket> {
  const socket = net.connect(port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  let headEnd = -1;
  let closed = false;
  socket.on('error', () => {});
  const done = new Promise<void>((resolve) => socket.on('close', () => ((closed = true), resolve())));
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (headEnd < 0) headEnd = buf.indexOf('\r\n\r\n');
  });
  socket.write(handshakeRequest(path));
  await waitFor(() => headEnd >= 0 || closed, 'the handshake answer');
  const head = buf.subarray(0, Math.max(headEnd, 0)).toString();
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`handshake answered: ${head.split('\r\n')[0] || '(nothing)'}`);
  return { socket, received: () => buf.subarray(headEnd + 4), closed: done, isClosed: () => closed };
}

export interface ParsedFrame {
  opcode: number;
  payload: Buffer;
}

/** Server frames (unmasked) in `bytes`; a trailing partial frame is left out. */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let len = bytes[at + 1] & 0x7f;
    let off = at + 2;
    if (len === 126) {
      if (off + 2 > bytes.length) break;
      len = bytes.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (off + 8 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(off));
      off += 8;
    }
    if (off + len > bytes.length) break;
    out.push({ opcode, payload: bytes.subarray(off, off + len) });
    at = off + len;
  }
  return out;
}

/** The close code of the first close frame in `bytes`, or undefined. */
export function closeCodeIn(bytes: Buffer): number | undefined {
  const c = parseFrames(bytes).find((f) => f.opcode === 8);
  return c && c.payload.length >= 2 ? c.payload.readUInt16BE(0) : undefined;
}

/** Checks the worker still serves a fresh WebSocket (hostile input must cost one connection). */
export async function stillServes(w: WsWorker): Promise<void> {
  const c = await Client.open(w.url('/ws?name=check'));
  await c.nextJson('the hello of a fresh connection');
  c.ws.send('still');
  const echoed = await c.nextText('the echo on a fresh connection');
  if (echoed !== 'echo:still') throw new Error(`a fresh connection got ${echoed}`);
  c.close();
  await c.closed;
}

/** Waits for `re` in the worker's stdout. */
export function stdoutMatch(w: WsWorker, re: RegExp, what: string, timeoutMs = 10000): Promise<RegExpMatchArray> {
  return waitFor(() => w.stdout().match(re), what, timeoutMs, 10) as Promise<RegExpMatchArray>;
}
