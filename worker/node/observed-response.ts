// The node backend's one place that tells the request observer: the ServerResponse class the
// server builds. The start time is a field and one shared 'close' listener reports the end
// ('close' comes after 'finish', or alone when the client left), so a request costs no closure.
// HTTP/2 streams (--http2) answer through node's compatibility response instead: observed on the stream.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { RequestObserver } from '../contract.js';
import { isHttp2Request } from '../tls/http2.js';

export interface ObservedResponse extends ServerResponse {
  /** The request is the app's (not the health path's): count it, and report its end. */
  observe(): void;
  /** Reports the end now with `status` (an upgrade or a refusal written on the raw socket); once only. */
  settle(status: number): void;
}

export function observedResponse(observer: RequestObserver): typeof ServerResponse {
  function closed(this: ObservedResponse) {
    this.settle(this.writableFinished ? this.statusCode : 0);
  }
  class Observed extends ServerResponse implements ObservedResponse {
    t0 = 0;
    open = false;

    observe(): void {
      observer.begin();
      if (!observer.timed) return;
      this.open = true;
      this.t0 = performance.now();
      this.on('close', closed);
    }

    settle(status: number): void {
      if (!this.open) return;
      this.open = false;
      observer.end(this.req.method ?? '-', this.req.url ?? '-', status, this.t0);
    }
  }
  return Observed as typeof ServerResponse;
}

/** An app request (not the health path's) on the server's 'request' event. */
export function observe(observer: RequestObserver, req: IncomingMessage, res: ServerResponse): void {
  if (!isHttp2Request(req)) return (res as ObservedResponse).observe();
  observer.begin();
  if (!observer.timed) return;
  const t0 = performance.now();
  const h2 = res as unknown as Http2ServerResponse;
  // Not the stream's RST code: node closes a stream whose response is complete with STREAM_CLOSED
  // (5) when it sent a content-length and the client's side is still open (curl with several URLs),
  // and res.writableFinished is true even for a stream the client cancelled. `aborted` is only set
  // by a reset that came before the response ended.
  h2.stream.once('close', () => observer.end(req.method ?? '-', req.url ?? '-', h2.writableEnded && !h2.stream.aborted ? h2.statusCode : 0, t0));
}
