// The node backend's server when TLS is on: node:https on the same options, with renewals applied
// to new handshakes (setSecureContext) and, for mutual TLS, the peer stamped on each request.
import http from 'node:http';
import https from 'node:https';
import { stampPeer } from './peer-header.js';
import type { TlsCertificates } from '../contract.js';

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** http.createServer, or https.createServer when `tls` is given. */
export function createNodeServer(tls: TlsCertificates | undefined, options: http.ServerOptions, listener: Listener): http.Server {
  if (!tls) return http.createServer(options, listener);
  const server = https.createServer({ ...options, ...tls.nodeOptions(), handshakeTimeout: options.headersTimeout }, listener);
  tls.onRenew(() => server.setSecureContext(tls.nodeOptions()));
  if (tls.mutual) {
    // Before the app's listener (and the WebSocket upgrade's): the app never sees a client's own copy.
    server.prependListener('request', stampPeer);
    server.prependListener('upgrade', stampPeer);
  }
  return server;
}

/** The event that hands over a connection the HTTP layer will read (after the handshake, with TLS). */
export const connectionEvent = (tls: TlsCertificates | undefined): 'connection' | 'secureConnection' => (tls ? 'secureConnection' : 'connection');
