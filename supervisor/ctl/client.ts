// Sends one command to a supervisor's control endpoint and returns the JSON answer.
import net from 'node:net';
import { parseEndpoint } from '../endpoint.js';
import type { Reply } from '../answers.js';
import { SupervisorError } from '../errors.js';

export type { Reply } from '../answers.js';

class ConnectError extends SupervisorError {}

/** How long a full Unix accept queue (EAGAIN at connect) is retried, within the command's timeout. */
const EAGAIN_RETRY_MS = 5000;

export function request(endpointUrl: string, command: string, properties: Record<string, unknown> = {}, timeoutMs = 60000): Promise<Reply> {
  const ep = parseEndpoint(endpointUrl);
  if (typeof ep === 'string') return Promise.reject(new ConnectError('EBADENDPOINT', ep, 2));
  const retryUntil = Date.now() + Math.min(EAGAIN_RETRY_MS, timeoutMs);
  return new Promise((resolve, reject) => {
    const id = Math.random().toString(16).slice(2);
    let sock: net.Socket;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ConnectError('ETIMEDOUT', `no answer from ${endpointUrl} within ${timeoutMs / 1000}s`, 3));
    }, timeoutMs);
    const attempt = (): void => {
      sock = ep.kind === 'unix' ? net.connect(ep.path) : net.connect(ep.port, ep.host);
      let buf = '';
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
        // A Unix socket whose accept queue is full refuses at once with EAGAIN, where TCP would
        // retransmit its SYN: wait a little and try again, as a TCP client in effect does.
        if (err.code === 'EAGAIN' && Date.now() < retryUntil) return void setTimeout(attempt, 25);
        clearTimeout(timer);
        reject(new ConnectError(err.code ?? 'ECONNECT', `cannot reach circus-supervisor at ${endpointUrl}: ${err.code ?? err.message}`, 3));
      });
    };
    attempt();
  });
}
