// Request heads uWS hands to JavaScript although node:http refuses them with 400: a method that
// is not a token, two Host headers (RFC 9112 3.2; uWS 20.30 passes them, 20.57 answers 400
// itself), and body framing that is ambiguous (request smuggling): a Content-Length that is not
// a plain number, two of them, Content-Length together with Transfer-Encoding, or a
// Transfer-Encoding whose last coding is not chunked. Checked once per request from what
// copyHeaders() already read, so the cost is a Set lookup and a few comparisons.

/** What the head checks need from the header walk. */
export interface HeadFacts {
  hosts: number;
  contentLength: string | undefined;
  /** How many Content-Length headers (node:http refuses two, even equal ones). */
  lengths: number;
  transferEncoding: string | undefined;
}

const COMMON_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);
/** RFC 9110 token: what a method may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** The largest Content-Length node:http (llhttp) takes: 2^64 - 1. */
const MAX_LENGTH = '18446744073709551615';

/** A plain decimal number that fits node's 64 bits. */
function plainLength(cl: string): boolean {
  const n = cl.length;
  if (n === 0 || n > MAX_LENGTH.length) return false;
  for (let i = 0; i < n; i++) {
    const c = cl.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < MAX_LENGTH.length || cl <= MAX_LENGTH;
}

/** Whether the last transfer coding is chunked, as node:http requires of a request. */
function endsChunked(te: string): boolean {
  if (te === 'chunked') return true;
  const last = te.slice(te.lastIndexOf(',') + 1).trim();
  return last.length === 7 && last.toLowerCase() === 'chunked';
}

function framingProblem(h: HeadFacts): string | undefined {
  if (h.lengths > 1) return 'two Content-Length headers';
  if (h.contentLength !== undefined && !plainLength(h.contentLength)) return `Content-Length '${h.contentLength.slice(0, 20)}'`;
  if (h.transferEncoding !== undefined) {
    if (h.contentLength !== undefined) return 'both Content-Length and Transfer-Encoding';
    if (!endsChunked(h.transferEncoding)) return `Transfer-Encoding '${h.transferEncoding.slice(0, 20)}'`;
  }
  return undefined;
}

/** Why the worker refuses this head with 400, or undefined when it passes. */
export function headProblem(method: string, h: HeadFacts): string | undefined {
  if (method !== 'GET' && !COMMON_METHODS.has(method) && !TOKEN.test(method)) return `method '${method.slice(0, 20)}'`;
  if (h.hosts > 1) return 'two Host headers';
  // Most requests carry neither header: one test and done.
  return h.contentLength === undefined && h.transferEncoding === undefined ? undefined : framingProblem(h);
}
