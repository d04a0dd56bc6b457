// The node backend's one place that tells the request observer: the ServerResponse class the
// server builds. The start time is a field and one shared 'close' listener reports the end
// ('close' comes after 'finish', or alone when the client left), so a request costs no closure.
import { ServerResponse } from 'node:http';
import type { RequestObserver } from '../contract.js';

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
