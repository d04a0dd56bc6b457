// Bun's ServerWebSocket, the part both backends share: the public members, argument handling,
// Bun's send statuses and what a closed socket answers. Each backend subclasses it with the few
// primitives its engine has (uWS's WebSocket, the `ws` package's WebSocket).
import type { TopicRelay } from '../contract.js';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'uint8array';
export type SendData = string | ArrayBufferLike | ArrayBufferView;

/** Bun's ServerWebSocketSendStatus: bytes sent (> 0), queued under backpressure, dropped. */
export const SEND_BACKPRESSURE = -1;
export const SEND_DROPPED = 0;

/** readyState values (a server-side socket is never CONNECTING, 0). */
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Close code a socket is given when the worker drains (RFC 6455 "going away"). */
export const GOING_AWAY = 1001;

/** `data` as bytes (viewed, not copied) or a string; throws TypeError for anything else. */
export function payloadOf(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) return new Uint8Array(data);
  throw new TypeError(`WebSocket data must be a string, ArrayBuffer or ArrayBufferView (got ${data === null ? 'null' : typeof data})`);
}

export function byteLength(payload: string | Uint8Array): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}

/** Close codes an endpoint may send (RFC 6455 7.4): 1000-1014 but not the reserved ones, and 3000-4999. */
function validCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

export abstract class ServerWebSocket<T = unknown> {
  data: T;
  binaryType: BinaryType = 'nodebuffer';
  readonly remoteAddress: string;
  /** Bytes of message payload received and sent on this socket (access log). */
  bytesIn = 0;
  bytesOut = 0;
  /** When it opened (performance.now()) and the path it was opened on, for the access log. */
  readonly openedAt = performance.now();
  readonly url: string;
  protected state: number = OPEN;
  /** Carries topics to other workers (--pubsub); set by the hub when the socket opens. */
  relay?: TopicRelay;

  constructor(data: T, remoteAddress: string, url: string) {
    this.data = data;
    this.remoteAddress = remoteAddress;
    this.url = url;
  }

  get readyState(): number {
    return this.state;
  }

  /** Text for a string, binary otherwise (Bun's rule). */
  send(data: SendData, compress = false): number {
    const payload = payloadOf(data);
    return this.deliver(payload, typeof payload !== 'string', compress);
  }

  sendText(data: string, compress = false): number {
    return this.deliver(typeof data === 'string' ? data : String(data), false, compress);
  }

  sendBinary(data: SendData, compress = false): number {
    const payload = payloadOf(data);
    return this.deliver(typeof payload === 'string' ? Buffer.from(payload) : payload, true, compress);
  }

  close(code?: number, reason?: string): void {
    if (this.state !== OPEN) return;
    if (code !== undefined && !validCloseCode(code)) throw new RangeError(`invalid WebSocket close code ${code}`);
    const why = reason === undefined ? '' : String(reason);
    if (Buffer.byteLength(why) > 123) throw new RangeError('a WebSocket close reason must be at most 123 bytes');
    this.state = CLOSING;
    this.end(code ?? 1000, why);
  }

  /** Cuts the connection without a close frame. */
  terminate(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.kill();
  }

  ping(data: SendData = ''): number {
    return this.control('ping', data);
  }

  pong(data: SendData = ''): number {
    return this.control('pong', data);
  }

  subscribe(topic: string): void {
    if (this.state !== OPEN) return;
    this.join(String(topic));
    this.relay?.joined(String(topic));
  }

  unsubscribe(topic: string): void {
    if (this.state !== OPEN) return;
    this.leave(String(topic));
    this.relay?.left(String(topic));
  }

  isSubscribed(topic: string): boolean {
    return this.state === OPEN && this.member(String(topic));
  }

  /** To every subscriber of `topic` but this socket (unless publishToSelf). */
  publish(topic: string, data: SendData, compress = false): number {
    if (this.state !== OPEN) return SEND_DROPPED;
    const payload = payloadOf(data);
    return this.fanOut(String(topic), payload, typeof payload !== 'string', compress);
  }

  publishText(topic: string, data: string, compress = false): number {
    return this.state === OPEN ? this.fanOut(String(topic), String(data), false, compress) : SEND_DROPPED;
  }

  publishBinary(topic: string, data: SendData, compress = false): number {
    if (this.state !== OPEN) return SEND_DROPPED;
    const payload = payloadOf(data);
    return this.fanOut(String(topic), typeof payload === 'string' ? Buffer.from(payload) : payload, true, compress);
  }

  /** Runs `fn` with writes batched into one syscall; returns what `fn` returns. */
  cork<R>(fn: (ws: this) => R): R {
    if (this.state !== OPEN) return fn(this);
    return this.corked(() => fn(this));
  }

  getBufferedAmount(): number {
    return this.state === CLOSED ? 0 : this.buffered();
  }

  /** The backend saw the connection end: from now on every call is a no-op. */
  markClosed(): void {
    this.state = CLOSED;
  }

  /** Here (skipping this socket unless publishToSelf), then to other workers through the relay. */
  private fanOut(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    const sent = this.broadcast(topic, payload, binary, compress);
    return this.relay?.publish(topic, payload, binary, compress) ? Math.max(sent, byteLength(payload), 1) : sent;
  }

  private deliver(payload: string | Uint8Array, binary: boolean, compress: boolean): number {
    if (this.state !== OPEN) return SEND_DROPPED;
    const status = this.write(payload, binary, compress);
    if (status > 0) this.bytesOut += status;
    return status;
  }

  private control(kind: 'ping' | 'pong', data: SendData): number {
    if (this.state !== OPEN) return SEND_DROPPED;
    const payload = payloadOf(data);
    if (byteLength(payload) > 125) throw new RangeError(`a WebSocket ${kind} payload must be at most 125 bytes`);
    return this.sendControl(kind, payload);
  }

  /** Sends one message; returns a Bun send status (bytes, SEND_BACKPRESSURE or SEND_DROPPED). */
  protected abstract write(payload: string | Uint8Array, binary: boolean, compress: boolean): number;
  protected abstract sendControl(kind: 'ping' | 'pong', payload: string | Uint8Array): number;
  /** Starts the closing handshake with a close frame. */
  protected abstract end(code: number, reason: string): void;
  protected abstract kill(): void;
  protected abstract join(topic: string): void;
  protected abstract leave(topic: string): void;
  protected abstract member(topic: string): boolean;
  protected abstract broadcast(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number;
  protected abstract corked<R>(fn: () => R): R;
  protected abstract buffered(): number;
  /** Topics this socket is subscribed to. */
  abstract get subscriptions(): string[];
}
