// Mutual TLS: how the app learns who the client is. The worker sets two request headers from the
// TLS session itself and removes any the client sent under those names, so they cannot be spoofed:
//   x-client-verified: SUCCESS, NONE (no certificate) or FAILED:<reason> (`--cert-reqs request` only)
//   x-client-subject:  the verified certificate's subject, RFC 2253-ish (`CN=alice,O=Example`)
// Node-style apps can also read req.socket.getPeerCertificate() directly.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const VERIFIED_HEADER = 'x-client-verified';
const SUBJECT_HEADER = 'x-client-subject';

function subjectLine(subject: Record<string, string | string[]> | undefined): string {
  if (!subject) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(subject)) for (const one of Array.isArray(v) ? v : [v]) parts.push(`${k}=${one.replace(/[,+"\\<>;=]/g, (c) => '\\' + c)}`);
  return parts.join(',');
}

export function stampPeer(req: IncomingMessage): void {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.();
  const has = cert && Object.keys(cert).length > 0;
  const stamped: Array<[string, string]> = [[VERIFIED_HEADER, !has ? 'NONE' : socket.authorized ? 'SUCCESS' : `FAILED:${String(socket.authorizationError)}`]];
  if (has && socket.authorized) stamped.push([SUBJECT_HEADER, subjectLine(cert.subject as unknown as Record<string, string | string[]>)]);
  // Both views of the head: rawHeaders (what fetch apps' Request is built from) and req.headers.
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i].toLowerCase();
    if (name === VERIFIED_HEADER || name === SUBJECT_HEADER) raw.splice(i, 2);
  }
  const headers = req.headers;
  delete headers[VERIFIED_HEADER];
  delete headers[SUBJECT_HEADER];
  for (const [name, value] of stamped) {
    raw.push(name, value);
    headers[name] = value;
  }
}
