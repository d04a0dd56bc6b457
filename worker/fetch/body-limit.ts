// The request-body limit (--max-body) as both backends enforce it: the error a handler's body
// read fails with once the worker has answered 413, and how long the refused client may go on
// sending before its connection is cut.
import { CodedError } from '../../sys/coded-error.js';
import type { WorkerCode } from '../error-codes.js';

/** How long a client refused with 413 may go on sending (read and discarded) before the connection is cut. */
export const LINGER_MS = 2000;

export class BodyTooLargeError extends CodedError {
  constructor(limit: number) {
    super('EBODYTOOLARGE' satisfies WorkerCode, `request body exceeds --max-body (${limit} bytes)`);
  }
}

/** `err`, or the cause undici wraps it in, is `type`: an error the worker raised and acted on itself. */
export function isOwnError(err: unknown, type: abstract new (...args: never[]) => Error): boolean {
  return err instanceof type || (err as { cause?: unknown })?.cause instanceof type;
}
