// One call of a fetch handler, the same on both backends: call it (a throw is a failure), wait
// for its Response if it is a promise, check that it is one, and hand its parts to the backend
// to write; every failure on the way goes to the backend's fail(), which decides between a 500,
// cutting the connection and nothing (already answered, or the client left).
import type { FetchFunction, FetchServerApi } from '../contract.js';
import type { NewRequest, RequestSource } from './request.js';
import { isResponse, responseParts, type ResponseParts } from './response.js';

/** The backend's side of one exchange. */
export interface FetchReply {
  /** False once nothing more may be written: the worker answered already (413), or the client left. */
  readonly writable: boolean;
  /** Writes the app's response; a promise while its body is still going out. */
  write(parts: ResponseParts): void | Promise<void>;
  /** The handler threw or rejected, returned no Response, or its Response could not be written. */
  fail(err: unknown): void;
}

function send(reply: FetchReply, r: unknown): void {
  if (!reply.writable) {
    // Answered already or the client is gone: release a streamed body nobody will read.
    if (isResponse(r) && r.body && !r.bodyUsed) r.body.cancel().catch(() => {});
    return;
  }
  if (!isResponse(r)) return reply.fail(new TypeError(`fetch handler returned ${r === null ? 'null' : typeof r}, not a Response`));
  try {
    const pending = reply.write(responseParts(r));
    if (pending) pending.catch((err) => reply.fail(err));
  } catch (err) {
    reply.fail(err);
  }
}

/**
 * Calls `fetch` with the Request `newRequest` makes of `source` (and Bun's `server`), and sends
 * what it answers through `reply`; after a WebSocket upgrade `reply` is no longer writable, so
 * the answer is dropped.
 */
export function runHandler(fetch: FetchFunction, newRequest: NewRequest, source: RequestSource, reply: FetchReply, server: FetchServerApi): void {
  let out: ReturnType<FetchFunction>;
  try {
    out = fetch(newRequest(source), server);
  } catch (err) {
    return reply.fail(err);
  }
  if (out instanceof Promise || typeof (out as { then?: unknown })?.then === 'function') {
    (out as Promise<Response>).then(
      (r) => send(reply, r),
      (err) => reply.fail(err),
    );
  } else send(reply, out);
}
