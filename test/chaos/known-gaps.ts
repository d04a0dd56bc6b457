// Checks that fail on a backend for a reason outside this suite. They still run (as node:test
// `todo`, so a fix shows up as a passing todo) and the chaos runner reports them; the assertion
// itself is never weakened. Keyed by backend, then by check name.
import type { BackendName } from './worker-matrix.js';
import { uwsAtLeast, uwsBuild } from '../helpers/uws-available.js';

const STALL =
  'uws backend: the uWebSockets.js 20.30 parser neither answers nor closes on this input; the request never reaches JavaScript, and uWS closes the connection at its built-in 10 s timeout (not --idle-timeout)';
const CUT =
  'uws backend: closed without the 400 (ambiguous body framing). uWebSockets.js 20.30 closes the connection itself on this framing, after the handler ran, dropping the 400 the worker wrote; on any build, a request pipelined behind it in the same read makes uWS close the connection while the worker\'s 400 is pending (that is what keeps the smuggled request from the app)';

/** Also used by test/worker/uws-fetch.test.ts; builds from uWS.js 20.35 read UWS_HTTP_MAX_HEADERS_SIZE (no gap). */
export const UWS_SPLIT_HEADERS = uwsAtLeast(20, 35) ? undefined :
  'uws backend: uWebSockets.js 20.30 buffers at most 4 KB of an unfinished request head between reads; request headers over 4 KB that arrive in more than one read (a 5 KB cookie over a 1500-byte MTU link, or a slow client) make it close the connection without an answer, before JavaScript sees the request. This build reads no UWS_HTTP_MAX_HEADERS_SIZE. The node backend accepts up to 16 KB.';

export const KNOWN_GAPS: Record<BackendName, Record<string, string>> = {
  node: {},
  uws: {
    // Inputs uWS's parser stalls on (checked: closed after ~10.5 s, never answered).
    'garbage request line': STALL,
    'unknown HTTP version': STALL,
    'space inside the target': STALL,
    'NUL in the target': STALL,
    'bare LF line ends': STALL,
    'header without a colon': STALL,
    'space in a header name': STALL,
    'NUL in a header value': STALL,
    'control byte in a header value': STALL,
    'obsolete line folding': STALL,
    // Ambiguous framing: cut, never answered, never reaches the app.
    'Content-Length with Transfer-Encoding': CUT,
    'Transfer-Encoding before Content-Length': CUT,
    'two different Content-Lengths': CUT,
    'negative Content-Length': CUT,
    'non-numeric Content-Length': CUT,
    'unknown Transfer-Encoding with Content-Length': CUT,
    'chunk data longer than its size': 'uws backend: uWebSockets.js 20.30 accepts a chunk longer than its declared size and passes the body on (the app answered 200)',
    // Valid requests uWS 20.30's parser stalls on (no answer; closed at its 10 s timeout).
    'HTTP/1.0 request': 'uws backend: uWebSockets.js 20.30 neither answers nor closes an HTTP/1.0 request (ab, nginx\'s proxy_pass without proxy_http_version 1.1, some load-balancer health checks); a newer build tried (npm uwebsockets@3.0.6) answers 505. Use --backend node for HTTP/1.0 clients',
    'absolute-form target': STALL,
    'target without a leading slash': STALL,
    'pipelining behind an async response':
      'uws backend: uWebSockets.js 20.30 closes the connection, unanswered, when a request arrives while the previous response on it is still pending (the handler awaited something); browsers do not pipeline, but HTTP/1.1 clients that do lose both requests',
    'request after Connection: close':
      'uws backend: uWebSockets.js 20.30 forgets a request\'s Connection: close (and even end(body, true)) when another request is pipelined behind it in the same read, serves that one too and keeps the connection open',
    'slow-loris': 'uws backend: a client trickling header bytes is closed by uWebSockets.js at its built-in 10 s timeout, not within --idle-timeout; the headers never reach JavaScript',
  },
};

// The same checks on a current build (observed with uWS.js 20.57 on Node 22 and 24 in CI's Debian 13
// root): the parser answers most malformed heads with 400 now, but old-style and a few malformed
// requests get 505, and some inputs still stall until uWS's own 10 s timeout.
const V = uwsBuild.id;
const STALL_CURRENT = `uws backend: ${V} neither answers nor closes on this input; the request never reaches JavaScript, and uWS closes the connection at its built-in 10 s timeout (not --idle-timeout)`;
const ANSWERS_505 = `uws backend: ${V} answers 505 HTTP Version Not Supported (and closes) where node:http answers 400; the request never reaches JavaScript`;
const CUT_CURRENT = `uws backend: closed without the 400 (ambiguous body framing with a request pipelined behind it in the same read): on ${V} too, uWS closes the connection when that request arrives while the worker's 400 is pending, which is what keeps the smuggled request from the app`;
const HTTP10_505 = `uws backend: ${V} answers 505 to HTTP/1.0 and to absolute-form or slash-less targets (upstream does not support them); the worker cannot see these requests. Use --backend node for HTTP/1.0 clients (ab, nginx's proxy_pass without proxy_http_version 1.1)`;

const CURRENT_UWS_GAPS: Record<string, string> = {
  'garbage request line': STALL_CURRENT,
  'space inside the target': ANSWERS_505,
  'NUL in the target': ANSWERS_505,
  'bare LF line ends': ANSWERS_505,
  'two different Content-Lengths': CUT_CURRENT,
  'chunk data longer than its size': `uws backend: ${V} neither answers nor closes when chunk data runs past its declared size (closed at its 10 s timeout); the body does not reach the app`,
  'HTTP/1.0 request': HTTP10_505,
  'absolute-form target': HTTP10_505,
  'target without a leading slash': HTTP10_505,
  'pipelining behind an async response': `uws backend: ${V}, like 20.30, closes the connection unanswered when a request arrives while the previous response on it is still pending (by design upstream)`,
  'request after Connection: close': `uws backend: ${V}, like 20.30, serves a request pipelined in the same read behind one whose response said Connection: close`,
  'slow-loris': KNOWN_GAPS.uws['slow-loris'],
};

export function gapFor(backend: BackendName, check: string): string | undefined {
  // uWS.js 20.31 carries uWebSockets 20.44, where the parser changed (400s, 505 for HTTP/1.0).
  if (backend === 'uws' && uwsAtLeast(20, 31)) return CURRENT_UWS_GAPS[check];
  return KNOWN_GAPS[backend][check];
}

/** Supervisor checks that fail for a reason in circus-supervisor (same rules as above). */
export const SUPERVISOR_GAPS: Record<string, string> = {};
