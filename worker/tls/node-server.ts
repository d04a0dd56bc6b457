// The node backend's server when TLS is on: node:https on the same options (or node:http2's
// secure server with HTTP/1.1 fallback for --http2), with renewals applied to new handshakes
// (setSecureContext) and, for mutual TLS, the peer stamped on each request.
import http from 'node:http';
import https from 'node:https';
import type { TlsCertificates } from '../contract.js';
import { createHttp2Server, type Http2Sessions } from './http2.js';
import { stampPeer } from './peer-header.js';

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface NodeServer {
  server: http.Server;
  /** With --http2: the HTTP/2 sessions (HTTP/1.1 connections are plain sockets as ever). */
  sessions?: Http2Sessions;
}

/** http.createServer, or the TLS server when `tls` is given. */
export function createNodeServer(tls: TlsCertificates | undefined, options: http.ServerOptions, listener: Listener): NodeServer {
  if (!tls) return { server: http.createServer(options, listener) };
  const idleMs = options.headersTimeout ?? 10_000;
  const secure = { ...options, ...tls.nodeOptions(), handshakeTimeout: idleMs };
  const made: NodeServer = tls.http2 ? createHttp2Server(secure, listener, idleMs) : { server: https.createServer(secure, listener) };
  const server = made.server as https.Server;
  tls.onRenew(() => server.setSecureContext(tls.nodeOptions()));
  if (tls.mutual) {
    // Before the app's listener (and the WebSocket upgrade's): the app never sees a client's own copy.
    server.prependListener('request', stampPeer);
    server.prependListener('upgrade', stampPeer);
  }
  return made;
}

/** The event that hands over a connection the HTTP layer will read (after the handshake, with TLS). */
export const connectionEvent = (tls: TlsCertificates | undefined): 'connection' | 'secureConnection' => (tls ? 'secureConnection' : 'connection');
