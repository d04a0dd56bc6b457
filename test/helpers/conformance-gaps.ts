// Conformance cases a uWS build makes impossible for the worker: the request never reaches
// JavaScript, or uWS answers or closes before the worker can. Keyed by uWS version (major.minor),
// then by case name; each entry is also a row of docs/known-gaps.md (the two must agree).

const STALL = 'the request never reaches JavaScript; uWS neither answers nor closes it until its built-in 10 s timeout';
const CL_CLOSE = 'uWS reads this Content-Length after the handler ran and closes the connection at once, dropping the 400 the worker wrote (a close without an answer)';
const SAYS_505 = 'uWS answers 505 and closes before JavaScript sees the request (node:http: 400)';
/** Both builds: see docs/known-gaps.md for why the worker cannot time a connection's first head. */
const HEADER_TIMER =
  'the worker cannot time a head per connection on uWS (no connection id in its API), so an unfinished head is closed only by uWS at its built-in 10 s, without 408, whatever --idle-timeout says';

export const CONFORMANCE_GAPS: Record<string, Record<string, string>> = {
  '20.30': {
    'missing Host': STALL,
    'negative Content-Length': CL_CLOSE,
    'overflowing Content-Length': CL_CLOSE,
    'non-numeric Content-Length': CL_CLOSE,
    'Content-Length with trailing junk': CL_CLOSE,
    'CL + TE in mixed case': 'uWS closes the connection before JavaScript sees the request (a close without an answer)',
    'bare LF line endings': STALL,
    'space in a header name': STALL,
    'separator in a header name': STALL,
    'control byte in a header value': STALL,
    'NUL in a header value': STALL,
    'HTTP/1.2': STALL,
    'HTTP/9.9': STALL,
    'HTTX/1.1': STALL,
    'missing version': STALL,
    'garbage method': 'uWS closes the connection without routing the request to JavaScript (a close without an answer)',
    'leading junk bytes': STALL,
    'leading empty line': STALL,
    'bad chunk size': 'uWS closes the connection on the malformed chunk itself (the handler sees an abort; a close without an answer)',
    'head that never completes': HEADER_TIMER,
    'HTTP/1.0 request': STALL,
    'absolute-form target': STALL,
  },
  '20.57': {
    'bare LF line endings': SAYS_505,
    'HTTP/1.2': SAYS_505,
    'HTTP/9.9': SAYS_505,
    'HTTX/1.1': SAYS_505,
    'missing version': STALL,
    'leading junk bytes': SAYS_505,
    'leading empty line': STALL,
    'head that never completes': HEADER_TIMER,
    'HTTP/1.0 request': 'uWS answers 505 HTTP Version Not Supported itself; the request never reaches JavaScript',
    'absolute-form target': 'uWS answers 505 HTTP Version Not Supported itself; the request never reaches JavaScript',
  },
};

/** '20.30' from '20.30.0-unofficial.0'. */
export function majorMinor(version: string): string {
  return version.match(/^(\d+\.\d+)/)?.[1] ?? version;
}

export function conformanceGap(backend: 'node' | 'uws', version: string, name: string): string | undefined {
  if (backend !== 'uws') return undefined;
  const reason = CONFORMANCE_GAPS[version]?.[name];
  return reason && `uWS ${version}: ${reason}`;
}
