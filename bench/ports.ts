// Loopback ports for contenders that bind their own socket, and bench-held sockets for those that inherit one.
import net from 'node:net';
import { closeFd, createListener, type RawListener } from '../sys/sockets.js';

/** A port that was free a moment ago (the kernel picks it; a race is possible but harmless here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A listening TCP socket held by the bench (nobody accepts on it) for children to inherit. */
export function benchSocket(blocking = false): RawListener & { port: number; close: () => void } {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 }, backlog: 4096, blocking });
  const port = l.address.family === 'AF_UNIX' ? 0 : l.address.port;
  return { ...l, port, close: () => closeFd(l.fd) };
}
