// Node-style (req, res) listeners served natively by node:http, with the worker's guarantees
// added: the body limit, and an app error costs one 500 response, never the process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeListener } from '../contract.js';
import type { Logger } from '../log.js';
import { BodyTooLargeError } from '../fetch/body-limit.js';
import { declaresTooLarge, hasTwoHosts, limitBody, replyBadRequest, replyServerError, replyTooLarge } from './replies.js';

export function nodeStyleListener(listener: NodeListener, maxBody: number, log: Logger) {
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    log.error(`handler failed on ${req.method} ${req.url}`, err);
    replyServerError(res);
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (declaresTooLarge(req, maxBody)) return replyTooLarge(req, res);
    if (hasTwoHosts(req)) return replyBadRequest(res);
    if (req.headers['transfer-encoding'] !== undefined) {
      // The app's stream sees an error; the client sees the 413.
      limitBody(req, maxBody, () => {
        replyTooLarge(req, res);
        // Only an app listening for errors can be told; an unheard 'error' would crash the worker.
        if (req.listenerCount('error') > 0) req.emit('error', new BodyTooLargeError(maxBody));
      });
    }
    try {
      const out = listener(req, res) as { then?: unknown; catch?: (f: (e: unknown) => void) => void } | undefined;
      if (out && typeof out.then === 'function' && typeof out.catch === 'function') out.catch((e) => fail(req, res, e));
    } catch (err) {
      fail(req, res, err);
    }
  };
}
