// One request/response on uWebSockets.js and the rules its HttpResponse imposes: it is valid
// only until it ends or the client goes away (onAborted), after which nothing may touch it.
// Every write goes through here so that rule is checked in one place.
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';

/** What the backend wants to know about each exchange (in-flight count, drain, access log). */
export interface ExchangeTracker {
  /** A request started: counts it in flight and drives --max-requests. */
  begin(): void;
  /** It ended (response complete or client gone). `status` 0 means no response was sent. */
  end(ex: Exchange): void;
  /** While draining every response ends with `Connection: close`. */
  readonly draining: boolean;
  readonly accessLog: boolean;
}

const lines = new Map<number, string>();

/** `200 OK`: the reason given by the app, else the standard one (cached per status). */
export function statusLine(status: number, statusText: string): string {
  if (statusText) return `${status} ${statusText}`;
  let line = lines.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? ''}`;
    lines.set(status, line);
  }
  return line;
}

export class Exchange {
  aborted = false;
  /** The status line went out: a failure from now on can only cut the connection. */
  started = false;
  done = false;
  status = 0;
  readonly t0: number;
  private controller?: AbortController;
  private onWritableFn?: (offset: number) => boolean;
  private writableHooked = false;
  private readonly abortHooks: Array<() => void> = [];
  /** Set by the request body while uWS is told to stop reading; must be undone before ending. */
  resumeBody?: () => void;

  constructor(
    readonly res: HttpResponse,
    private readonly tracker: ExchangeTracker,
    readonly method: string,
    readonly path: string,
    readonly query: string,
  ) {
    this.t0 = tracker.accessLog ? performance.now() : 0;
    tracker.begin();
    res.onAborted(() => this.onAborted());
  }

  /** path?query, as the access log shows it. */
  get target(): string {
    return this.query ? `${this.path}?${this.query}` : this.path;
  }

  get isHead(): boolean {
    return this.method === 'HEAD';
  }

  /** Whether the response must close the connection (draining). */
  get mustClose(): boolean {
    return this.tracker.draining;
  }

  /** Lazily made: most handlers never look at request.signal. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Runs `fn` when the client goes away (at once if it already has). */
  onAbort(fn: () => void): void {
    if (this.aborted) fn();
    else this.abortHooks.push(fn);
  }

  private onAborted(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.controller?.abort();
    for (const fn of this.abortHooks.splice(0)) fn();
    this.finish(this.status);
  }

  /** Records the end of the exchange once. */
  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.status = status;
    this.tracker.end(this);
  }

  /** True while the response may still be written. */
  get writable(): boolean {
    return !this.aborted && !this.done && !this.rejecting;
  }

  private rejecting = false;

  /**
   * Answers `status` and closes the connection, but only once the client has sent the rest of
   * its body (read and discarded by the caller, which calls the returned function at the body's
   * end) or after `lingerMs`. Closing with unread bytes makes the kernel send a reset, which can
   * destroy the answer before the client reads it (the node backend lingers the same way).
   */
  rejectBody(status: number, text: string, lingerMs: number): () => void {
    if (!this.writable) return () => {};
    if (this.started) {
      this.kill();
      return () => {};
    }
    this.started = true;
    this.rejecting = true;
    this.cork(() => {
      this.textHead(status).writeHeader('connection', 'close');
      // write(), not end(): the response stays open (chunked) while the rest of the body drains.
      this.res.write(text);
    });
    const close = () => {
      clearTimeout(timer);
      if (this.done) return;
      if (!this.aborted) this.cork(() => this.res.end(undefined, true));
      this.finish(status);
    };
    const timer = setTimeout(close, lingerMs);
    timer.unref();
    this.onAbort(() => clearTimeout(timer));
    return close;
  }

  /** Writes inside cork (one syscall) after undoing a paused request body. */
  cork(fn: () => void): void {
    this.res.cork(() => {
      if (this.resumeBody) {
        this.resumeBody();
        this.resumeBody = undefined;
      }
      fn();
    });
  }

  /** Waits for uWS's writable event; `fn` returns false to keep waiting. Resolves on abort too. */
  whenWritable(fn: (offset: number) => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        this.onWritableFn = undefined;
        resolve();
      };
      this.onWritableFn = (offset) => {
        const ok = fn(offset);
        if (ok) settle();
        return ok;
      };
      this.onAbort(settle);
      if (!this.writableHooked) {
        this.writableHooked = true;
        this.res.onWritable((offset) => (this.onWritableFn ? this.onWritableFn(offset) : true));
      }
    });
  }

  /** Status line and content type of a reply the worker writes itself; call inside cork. */
  private textHead(status: number): HttpResponse {
    return this.res.writeStatus(statusLine(status, '')).writeHeader('content-type', 'text/plain; charset=utf-8');
  }

  /** A short text reply written by the worker itself (400, 414, 431, 500). */
  reply(status: number, text: string, close: boolean): void {
    if (!this.writable) return;
    if (this.started) return this.kill();
    this.started = true;
    this.cork(() => {
      this.textHead(status).end(text, close || this.mustClose);
    });
    this.finish(status);
  }

  /** Cuts the connection: the only honest signal once a response is half written. */
  kill(): void {
    if (!this.writable) return;
    this.res.close(); // runs onAborted synchronously
  }
}
