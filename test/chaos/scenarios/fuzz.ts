// Property-based fuzzing of a running worker: random byte mutations of valid requests, thrown in
// parallel batches; after every batch the process must be up and answer a good request.
import fc from 'fast-check';
import { failureText } from '../fast-check-failure.js';
import type { Target } from '../../helpers/http.js';
import { exchange } from '../../helpers/raw.js';
import { alive } from '../../helpers/proc-stats.js';
import { answersGood } from '../worker-matrix.js';

const VALID = [
  'GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  'GET /seen?x=1&y=%20 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'HEAD / HTTP/1.0\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
];

// Bytes that matter to an HTTP parser.
const TOKENS = ['\r\n', '\r', '\n', '\0', ' ', ':', '\t', '\x7f', '\xff', '\r\n\r\n', 'HTTP/1.1', 'Transfer-Encoding: chunked\r\n',
  'Content-Length: 99999999999999999999\r\n', 'Content-Length: 5\r\n', 'ffffffffffffffff\r\n', '0\r\n\r\n', '%00', '../'];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'token'; at: number; token: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'repeat'; at: number; len: number; times: number }
  | { kind: 'truncate'; at: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('token' as const), at: position, token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: position, len: fc.integer({ min: 1, max: 32 }), times: fc.integer({ min: 2, max: 200 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function apply(base: Buffer, m: Mutation): Buffer {
  const at = Math.floor(m.at * base.length);
  switch (m.kind) {
    case 'flip': {
      const b = Buffer.from(base);
      if (b.length) b[at] ^= 1 << m.bit;
      return b;
    }
    case 'insert':
      return Buffer.concat([base.subarray(0, at), Buffer.from(m.bytes), base.subarray(at)]);
    case 'token':
      return Buffer.concat([base.subarray(0, at), Buffer.from(m.token, 'latin1'), base.subarray(at)]);
    case 'delete':
      return Buffer.concat([base.subarray(0, at), base.subarray(at + m.len)]);
    case 'repeat': {
      const piece = base.subarray(at, at + m.len);
      return Buffer.concat([base.subarray(0, at), ...Array(m.times).fill(piece), base.subarray(at)]);
    }
    case 'truncate':
      return base.subarray(0, at);
  }
}

export const mutatedRequest: fc.Arbitrary<Buffer> = fc
  .tuple(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([text, ms]) => ms.reduce(apply, Buffer.from(text, 'latin1')));

export interface FuzzResult {
  batches: number;
  requests: number;
  /** Replies by first status code ('closed' = closed with no reply, 'waiting' = neither by the deadline). */
  outcomes: Record<string, number>;
  /** Set when the property failed: fast-check's report (seed, path, counterexample). */
  failure?: string;
  ms: number;
}

export async function fuzzWorker(target: Target, pid: number, budgetMs: number, batchSize = 24, replyMs = 400): Promise<FuzzResult> {
  const result: FuzzResult = { batches: 0, requests: 0, outcomes: {}, ms: 0 };
  const t0 = performance.now();
  const property = fc.asyncProperty(fc.array(mutatedRequest, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
    const replies = await Promise.all(batch.map((bytes) => exchange(target, bytes, { timeoutMs: replyMs })));
    result.batches++;
    result.requests += batch.length;
    for (const r of replies) {
      const key = r.statuses.length ? String(r.statuses[0]) : r.closedByServer ? 'closed' : 'waiting';
      result.outcomes[key] = (result.outcomes[key] ?? 0) + 1;
    }
    if (!alive(pid)) throw new Error('the worker process died');
    if (!(await answersGood(target, 5000))) throw new Error('the worker no longer answers a good request');
  });
  try {
    // Bounded in time and count; no shrinking, since a dead worker fails every later run anyway.
    await fc.assert(property, { numRuns: 100_000, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false, endOnFailure: true });
  } catch (err) {
    // fast-check reports a time limit reached before the first run ended as a failure; it is not one.
    const message = failureText(err);
    if (!/^Property interrupted after 0 tests/.test(message)) result.failure = message.slice(0, 4000);
  }
  result.ms = performance.now() - t0;
  return result;
}
