// Messages from circus-supervisor down to this worker. CIRCUS_NOTIFY_FD is a Unix socketpair (what
// node's spawn 'pipe' makes), so the same fd that carries the worker's READY=1 / STOPPING=1 lines
// up carries the supervisor's lines down (sys/notify-protocol.ts).
import net from 'node:net';
import { LineReader, MAX_LINE_BYTES, parseSupervisorLine, type SupervisorMessage } from '../sys/notify-protocol.js';
import type { Logger } from './log.js';

/**
 * Calls `onMessage` for each known line the supervisor sends, for the rest of the process's life
 * (the socket owns the fd from now on: closing it would close the channel READY=1 goes up on).
 */
export function listenToSupervisor(env: NodeJS.ProcessEnv, log: Logger, onMessage: (m: SupervisorMessage) => void): void {
  const fd = Number(env.CIRCUS_NOTIFY_FD);
  if (!Number.isInteger(fd) || fd <= 2) return;
  let channel: net.Socket;
  try {
    // Half-open: the supervisor closing its end must not shut down ours (READY/STOPPING still go up).
    channel = new net.Socket({ fd, readable: true, writable: false, allowHalfOpen: true });
  } catch {
    return; // not something we can read from: nothing will come down
  }
  channel.unref();
  channel.on('error', () => {});
  const lines = new LineReader(
    (line) => {
      const msg = parseSupervisorLine(line);
      if (msg) onMessage(msg);
    },
    (bytes) => log.warn(`a line of over ${MAX_LINE_BYTES} bytes (${bytes} so far) came down the supervisor's pipe (CIRCUS_NOTIFY_FD); dropped`),
  );
  channel.on('data', (d: Buffer) => lines.push(d));
}
