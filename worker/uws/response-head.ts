// The status line and headers of a uWS response, as the safe writer puts them on the wire.
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';
import type { HeaderPairs } from '../fetch/response.js';

export interface ResponseHead {
  status: number;
  /** The reason phrase; the standard one when empty or absent. */
  statusText?: string;
  /** Content-Length, Transfer-Encoding and Connection are uWS's to write: these are skipped. */
  headers: HeaderPairs;
}

const lines = new Map<number, string>();

/** `200 OK`: the reason given by the app, else the standard one (cached per status). */
function statusLine(status: number, statusText: string | undefined): string {
  if (statusText) return `${status} ${statusText}`;
  let line = lines.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? ''}`;
    lines.set(status, line);
  }
  return line;
}

function isManaged(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17 && n !== 10) return false;
  const lower = name.toLowerCase();
  return lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection';
}

/** Status line and headers; call inside cork. */
export function writeHead(res: HttpResponse, head: ResponseHead): void {
  res.writeStatus(statusLine(head.status, head.statusText));
  for (const [name, value] of head.headers) if (!isManaged(name)) res.writeHeader(name, value);
}
