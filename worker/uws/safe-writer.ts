// One response written to a uWS HttpResponse without losing a byte. uWS 20.30 collects writes
// made inside cork() in a 16 KB buffer; a write that does not fit makes it flush that buffer
// first, and when the flush meets a full socket it drops the new data (AsyncSocket::uncork): a
// chunk of a chunked body lost (a client sees "Expected LF after chunk data"), or an end() that
// leaves the response unfinished. So every write here either fits an empty cork buffer or goes
// through tryEnd(), which reports what it wrote: simple bodies over 8 KB (UTF-8 bytes) go out
// with tryEnd + onWritable, chunked bodies in pieces of 16 KB - 64, each in its own cork, after
// the head in a cork of its own. On builds without the defect (uWebSockets >= v20.77) the rule
// costs a few syscalls and stays correct. An HttpResponse is valid only until it ends or the
// client goes away (onAborted); after that every method here is a no-op.
// The fetch path's Exchange is a SafeWriter; uws-native apps get one per response (native.ts).
import type { HttpResponse } from 'uWebSockets.js';
import { bytesOf, CORK_PIECE, isLarge } from './cork-sizes.js';
import { writeHead, type ResponseHead } from './response-head.js';

export type { ResponseHead } from './response-head.js';

export class SafeWriter {
  readonly #res: HttpResponse;
  #aborted = false;
  #ended = false;
  #headSent = false;
  /** The head given to head(), written with the first piece or with end(). */
  #head?: ResponseHead;
  #closeAtEnd = false;
  #status = 0;
  #paused = false;
  #onWritable?: (offset: number) => boolean;
  #writableHooked = false;
  #abortHooked = false;
  #abortHooks?: Array<() => void>;

  /** `deferAbort`: the caller calls watchAbort() before uWS's route handler returns (see there). */
  constructor(res: HttpResponse, deferAbort = false) {
    this.#res = res;
    if (!deferAbort) this.watchAbort();
  }

  /**
   * Attaches uWS's onAborted unless the response is complete: a response sent while the route
   * handler runs never needs it (no client leaves meanwhile), and it costs a persistent handle.
   */
  watchAbort(): void {
    if (this.#abortHooked || this.#ended) return;
    this.#abortHooked = true;
    this.#res.onAborted(() => this.#onAborted());
  }

  /** The client went away before the response was complete. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** True while the response may still be written. */
  get writable(): boolean {
    return !this.#aborted && !this.#ended;
  }

  /** The status line went out: a failure from now on can only cut the connection. */
  protected get headSent(): boolean {
    return this.#headSent;
  }

  /** Whether every response must close its connection (the worker is draining). */
  protected get mustClose(): boolean {
    return false;
  }

  /** Called once, when the response is complete (`status`) or the client went away (0). */
  protected finished(_status: number): void {}

  /** The client went away: called before the onAbort() hooks. */
  protected clientLeft(): void {}

  /** Runs `fn` when the client goes away (at once if it already has). */
  onAbort(fn: () => void): void {
    if (this.#aborted) fn();
    else (this.#abortHooks ??= []).push(fn);
  }

  /** The request body, as uWS hands it over (its ArrayBuffers are reused after each call). */
  onData(fn: (chunk: ArrayBuffer, isLast: boolean) => void): void {
    this.#res.onData(fn);
  }

  /** Stops reading the request (body backpressure); undone by resumeReading() or any write. */
  pauseReading(): void {
    if (this.#paused || !this.writable) return;
    this.#paused = true;
    this.#res.pause();
  }

  resumeReading(): void {
    if (!this.#paused || !this.writable) return;
    this.#paused = false;
    this.#res.resume();
  }

  /** The whole response at once; a body over 8 KB goes out with tryEnd as the client takes it. */
  send(head: ResponseHead, body: string | Uint8Array | null, close = false): void | Promise<void> {
    if (!this.writable) return;
    if (body !== null && isLarge(body)) {
      this.head(head);
      const bytes = bytesOf(body);
      const done = this.writeSized(bytes, bytes.byteLength);
      return typeof done === 'boolean' ? undefined : done.then(() => {});
    }
    this.#takeHead(head);
    this.#cork(() => {
      this.#writeHead(head);
      this.#res.end(body ?? undefined, close || this.mustClose);
    });
    this.#finish();
  }

  /** Status and headers without a body (HEAD, 204, 304), reporting Content-Length `length` if given. */
  sendWithoutBody(head: ResponseHead, length: string | undefined, close = false): void {
    if (!this.writable) return;
    this.#takeHead(head);
    const res = this.#res;
    this.#cork(() => {
      this.#writeHead(head);
      if (length !== undefined) res.writeHeader('content-length', length);
      // endWithoutBody(_, true) would add Content-Length: 0 (wrong for 204/304); say it instead.
      if (close || this.mustClose) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    });
    this.#finish();
  }

  /**
   * Starts a streamed response: the head goes out with its first piece, or with end(). `close`
   * says Connection: close in the head and closes the connection at end().
   */
  head(head: ResponseHead, close = false): void {
    this.#takeHead(head);
    this.#head = head;
    this.#closeAtEnd = close;
  }

  /**
   * One chunk of a chunked body. Returns a promise when uWS could not take it all at once; it
   * resolves when it has (or the client went away: check `writable`).
   */
  write(chunk: string | Uint8Array): void | Promise<void> {
    if (!this.writable) return;
    const bytes = bytesOf(chunk);
    if (bytes.byteLength === 0) return; // an empty chunk would end a chunked body early
    if (!this.#headSent) {
      // The head in a cork of its own, so that the first piece finds the cork buffer empty.
      const head = this.#pendingHead();
      this.#cork(() => {
        this.#writeHead(head);
        if (this.#closeAtEnd) this.#res.writeHeader('connection', 'close');
      });
    }
    return this.#writePieces(bytes, 0);
  }

  /** Ends a chunked body (or an empty one, with the head if nothing was written yet). */
  end(close = false): void {
    if (!this.writable) return;
    const head = this.#headSent ? undefined : this.#pendingHead();
    this.#cork(() => {
      if (head) this.#writeHead(head);
      this.#res.end(undefined, close || this.#closeAtEnd || this.mustClose);
    });
    this.#finish();
  }

  /**
   * A piece of a body of `total` bytes (a declared Content-Length; the pieces must add up to
   * it). Returns, or resolves to, whether the whole body is now out.
   */
  writeSized(chunk: Uint8Array, total: number): boolean | Promise<boolean> {
    if (!this.writable) return false;
    const res = this.#res;
    const head = this.#headSent ? undefined : this.#pendingHead();
    let ok = false;
    let done = false;
    let start = 0;
    this.#cork(() => {
      if (head) this.#writeHead(head);
      start = res.getWriteOffset();
      [ok, done] = res.tryEnd(chunk, total);
    });
    if (ok || done) return this.#doneIf(done);
    return this.#whenWritable((offset) => {
      [ok, done] = res.tryEnd(chunk.subarray(offset - start), total);
      return ok || done;
    }).then(() => this.#doneIf(done));
  }

  /** Cuts the connection: the only honest signal once a response is half written. */
  abort(): void {
    if (!this.writable) return;
    this.#res.close(); // runs onAborted synchronously if attached (watchAbort); else this does:
    this.#onAborted();
  }

  /** To a uWS WebSocket: `upgrade` calls res.upgrade(); `extra` headers follow our 101 line (uWS writes one only if none was). */
  upgrade(extra: ReadonlyArray<[string, string]>, upgrade: (res: HttpResponse) => void): boolean {
    if (!this.writable || this.#headSent) return false;
    this.#headSent = true;
    this.#status = 101;
    this.#cork(() => upgrade(extra.reduce((res, [k, v]) => res.writeHeader(k, v), extra.length ? this.#res.writeStatus('101 Switching Protocols') : this.#res)));
    this.#finish();
    return true;
  }

  /** The client's address, while the response is valid. */
  remoteAddress(): string | undefined {
    return this.writable ? Buffer.from(this.#res.getRemoteAddressAsText()).toString() : undefined;
  }

  #takeHead(head: ResponseHead): void {
    if (this.#headSent) throw new Error(`the head of this response has already been written; cannot write status ${head.status}`);
  }

  #pendingHead(): ResponseHead {
    if (!this.#head) throw new Error('write() or end() before head(): a streamed response needs its status and headers first');
    return this.#head;
  }

  /** Call inside cork. */
  #writeHead(head: ResponseHead): void {
    writeHead(this.#res, head);
    this.#headSent = true;
    this.#status = head.status;
    this.#head = undefined;
  }

  #writePieces(bytes: Uint8Array, from: number): void | Promise<void> {
    for (let at = from; at < bytes.byteLength; at += CORK_PIECE) {
      const piece = bytes.subarray(at, at + CORK_PIECE);
      let ok = true;
      this.#cork(() => {
        ok = this.#res.write(piece);
      });
      if (!ok) {
        const next = at + CORK_PIECE;
        return this.#whenWritable(() => true).then(() => (this.writable ? this.#writePieces(bytes, next) : undefined));
      }
    }
  }

  /** Writes inside cork (one syscall) after undoing a paused request body. */
  #cork(fn: () => void): void {
    if (this.#paused) {
      this.#paused = false;
      this.#res.resume();
    }
    this.#res.cork(fn);
  }

  /** Waits for uWS's writable event; `fn` returns false to keep waiting. Resolves on abort too. */
  #whenWritable(fn: (offset: number) => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        this.#onWritable = undefined;
        resolve();
      };
      this.#onWritable = (offset) => {
        const ok = fn(offset);
        if (ok) settle();
        return ok;
      };
      this.onAbort(settle);
      if (!this.#writableHooked) {
        this.#writableHooked = true;
        this.#res.onWritable((offset) => (this.#onWritable ? this.#onWritable(offset) : true));
      }
    });
  }

  #doneIf(done: boolean): boolean {
    if (done) this.#finish();
    return done;
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.finished(this.#status);
  }

  #onAborted(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.clientLeft();
    for (const fn of this.#abortHooks?.splice(0) ?? []) fn();
    if (!this.#ended) {
      this.#ended = true;
      this.finished(0);
    }
  }
}
