// Hostile HTTP/1.1 inputs and what a worker may answer to each. Every case costs at most its own
// connection: the reply is one of `accept` (or a close without a reply when `closeOk`), the server
// closes the connection, and the paths in `markers` never reach the app.
export interface HostileCase {
  name: string;
  bytes: Buffer;
  accept: number[];
  closeOk: boolean;
  markers: string[];
}

const H = 'Host: x\r\n';
const REJECT = [400];

function hostile(name: string, text: string | Buffer, accept: number[], closeOk: boolean, markers: string[] = []): HostileCase {
  return { name, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), accept, closeOk, markers };
}

/** A smuggled second request after a body whose length two headers disagree on. */
const smuggled = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;

export const HOSTILE_CASES: HostileCase[] = [
  // Request line and method.
  hostile('garbage request line', 'GARBAGE\r\n\r\n', REJECT, true),
  hostile('unknown HTTP version', `GET /h-badver HTTP/9.9\r\n${H}\r\n`, [400, 505], true, ['/h-badver']),
  hostile('space inside the target', `GET /h-space x HTTP/1.1\r\n${H}\r\n`, REJECT, true, ['/h-space']),
  hostile('invalid method token', `G(T /h-method HTTP/1.1\r\n${H}\r\n`, [400, 405, 501], true, ['/h-method']),
  hostile('NUL in the target', `GET /h-nul\0 HTTP/1.1\r\n${H}\r\n`, REJECT, true, ['/h-nul', '/h-nul\0']),
  hostile('bare LF line ends', `GET /h-barelf HTTP/1.1\n${H}\n`, REJECT, true, ['/h-barelf']),
  // Header limits.
  hostile('70 KB header line', `GET /h-longhdr HTTP/1.1\r\n${H}X-Long: ${'a'.repeat(70_000)}\r\n\r\n`, [431, 400], true, ['/h-longhdr']),
  hostile('100 KB request target', `GET /h-longurl${'a'.repeat(100_000)} HTTP/1.1\r\n${H}\r\n`, [414, 431, 400], true, [`/h-longurl${'a'.repeat(100_000)}`]),
  hostile('10,000 header lines', `GET /h-many HTTP/1.1\r\n${H}${'X-N: 1\r\n'.repeat(10_000)}\r\n`, [431, 400], true, ['/h-many']),
  // Malformed header fields.
  hostile('header without a colon', `GET /h-nocolon HTTP/1.1\r\n${H}Bad header\r\n\r\n`, REJECT, true, ['/h-nocolon']),
  hostile('space in a header name', `GET /h-namesp HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`, REJECT, true, ['/h-namesp']),
  hostile('NUL in a header value', `GET /h-nulhdr HTTP/1.1\r\n${H}X: a\0b\r\n\r\n`, REJECT, true, ['/h-nulhdr']),
  hostile('control byte in a header value', `GET /h-ctlhdr HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`, REJECT, true, ['/h-ctlhdr']),
  hostile('obsolete line folding', `GET /h-fold HTTP/1.1\r\n${H}X: a\r\n folded\r\n\r\n`, REJECT, true, ['/h-fold']),
  // Body framing: conflicts are 400 and never let a second request through.
  hostile('Content-Length with Transfer-Encoding', `POST /h-clte HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, REJECT, false, ['/h-clte', '/smuggled']),
  hostile('Transfer-Encoding before Content-Length', `POST /h-tecl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${smuggled}`, REJECT, false, ['/h-tecl', '/smuggled']),
  hostile('two different Content-Lengths', `POST /h-dupcl HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 30\r\n\r\nabcd${smuggled}`, REJECT, false, ['/h-dupcl', '/smuggled']),
  hostile('negative Content-Length', `POST /h-negcl HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, REJECT, false, ['/h-negcl']),
  hostile('non-numeric Content-Length', `POST /h-alphacl HTTP/1.1\r\n${H}Content-Length: 4x\r\n\r\nabcd`, REJECT, false, ['/h-alphacl']),
  hostile('unknown Transfer-Encoding with Content-Length', `POST /h-xchunked HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc${smuggled}`, [400, 501], false, ['/h-xchunked', '/smuggled']),
  // Chunked bodies the app tries to read (/echo answers 200 with the body when it gets one).
  hostile('non-hex chunk size', `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n`, [400, 500], true),
  hostile('chunk size overflowing 64 bits', `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nab\r\n0\r\n\r\n`, [400, 413, 500], true),
  hostile('negative chunk size', `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-5\r\nab\r\n0\r\n\r\n`, [400, 500], true),
  hostile('chunk data longer than its size', `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nabXX\r\n0\r\n\r\n`, [400, 500], true),
];
