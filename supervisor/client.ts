// Sends one command to a supervisor's control endpoint and returns the JSON answer.
import net from 'node:net';
import { parseEndpoint } from './endpoint.js';
import { SupervisorError } from './errors.js';

export interface Reply {
  /** 'error', or 'ok' — except `status NAME`, which answers the watcher's state here as Circus does. */
  status: string;
  reason?: string;
  [key: string]: unknown;
}

export class ConnectError extends SupervisorError {}

export function request(endpointUrl: string, command: string, properties: Record<string, unknown> = {}, timeoutMs = 60000): Promise<Reply> {
  const ep = parseEndpoint(endpointUrl);
  if (typeof ep === 'string') return Promise.reject(new ConnectError('EBADENDPOINT', ep, 2));
  return new Promise((resolve, reject) => {
    const sock = ep.kind === 'unix' ? net.connect(ep.path) : net.connect(ep.port, ep.host);
    const id = Math.random().toString(16).slice(2);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ConnectError('ETIMEDOUT', `no answer from ${endpointUrl} within ${timeoutMs / 1000}s`, 3));
    }, timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ id, command, properties }) + '\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch {
        reject(new ConnectError('EBADREPLY', `unreadable answer from ${endpointUrl}`, 3));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ConnectError(err.code ?? 'ECONNECT', `cannot reach circus-supervisor at ${endpointUrl}: ${err.code ?? err.message}`, 3));
    });
  });
}
