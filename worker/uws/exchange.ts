// One request/response of the fetch path on uWebSockets.js: the SafeWriter that owns every
// write to the wire, plus what the worker needs around it: in-flight accounting (begin/end for
// --max-requests, drain and the access log), request.signal, and the replies the worker writes
// itself (400, 413, 414, 431, 500).
import type { HttpResponse } from 'uWebSockets.js';
import { SafeWriter, type ResponseHead } from './safe-writer.js';

/** What the backend wants to know about each exchange (in-flight count, drain, access log, metrics). */
export interface ExchangeTracker {
  /** A request started: counts it in flight and drives --max-requests. */
  begin(): void;
  /** It ended (response complete or client gone). `status` 0 means no response was sent. */
  end(ex: Exchange): void;
  /** While draining every response ends with `Connection: close`. */
  readonly draining: boolean;
  /** The access log is on: end() needs the method and URL. */
  readonly logs: boolean;
  /** Whether to take each request's start time (access log or metrics). */
  readonly timed: boolean;
}

function textHead(status: number): ResponseHead {
  return { status, headers: [['content-type', 'text/plain; charset=utf-8']] };
}

export class Exchange extends SafeWriter {
  readonly t0: number;
  #status = 0;
  #controller?: AbortController;
  /** A 413 is out and the rest of the body is being discarded: nothing else may be written. */
  #rejecting = false;

  constructor(
    res: HttpResponse,
    private readonly tracker: ExchangeTracker,
    readonly method: string,
    readonly path: string,
    readonly query: string,
  ) {
    // The fetch handler calls watchAbort() before it returns (see SafeWriter).
    super(res, true);
    this.t0 = tracker.timed ? performance.now() : 0;
    tracker.begin();
  }

  protected override clientLeft(): void {
    this.#controller?.abort();
  }

  /** path?query, as the access log shows it. */
  get target(): string {
    return this.query ? `${this.path}?${this.query}` : this.path;
  }

  get isHead(): boolean {
    return this.method === 'HEAD';
  }

  /** The status sent, once the exchange has ended (0: none, the client went away). */
  get status(): number {
    return this.#status;
  }

  override get writable(): boolean {
    return super.writable && !this.#rejecting;
  }

  protected override get mustClose(): boolean {
    return this.tracker.draining;
  }

  protected override finished(status: number): void {
    this.#status = status;
    this.tracker.end(this);
  }

  /** Lazily made: most handlers never look at request.signal. */
  signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /**
   * Answers `status` and closes the connection, but only once the client has sent the rest of
   * its body (read and discarded by the caller, which calls the returned function at the body's
   * end) or after `lingerMs`. Closing with unread bytes makes the kernel send a reset, which can
   * destroy the answer before the client reads it (the node backend lingers the same way).
   */
  rejectBody(status: number, text: string, lingerMs: number): () => void {
    if (!this.writable) return () => {};
    if (this.headSent) {
      this.abort();
      return () => {};
    }
    this.head(textHead(status), true);
    // write(), not end(): the response stays open (chunked) while the rest of the body drains.
    void this.write(text);
    this.#rejecting = true;
    const close = () => {
      clearTimeout(timer);
      if (!this.#rejecting) return;
      this.#rejecting = false;
      this.end();
    };
    const timer = setTimeout(close, lingerMs);
    timer.unref();
    this.onAbort(() => clearTimeout(timer));
    return close;
  }

  /**
   * 400 and close for a head the worker refuses (request-checks.ts), on the next turn of the
   * loop rather than now: while this response is pending, uWS closes the connection instead of
   * handing the app a request pipelined behind this one in the same read (a smuggled one); a
   * response ended at once, uWS 20.30 would forget to close after when another request follows.
   */
  refuseHead(): void {
    setImmediate(() => this.reply(400, 'Bad Request\n', true));
  }

  /** A short text reply written by the worker itself (400, 414, 431, 500), with `extra` headers. */
  reply(status: number, text: string, close: boolean, extra: ReadonlyArray<[string, string]> = []): void {
    if (!this.writable) return;
    if (this.headSent) return this.abort();
    const head = textHead(status);
    void this.send(extra.length ? { ...head, headers: [...head.headers, ...extra] } : head, text, close);
  }
}
