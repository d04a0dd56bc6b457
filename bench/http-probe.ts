// One-off HTTP requests outside the load generator: start-up probing and response checks.
import http from 'node:http';
import net from 'node:net';

export interface ProbeResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export function request(url: string, method = 'GET', body?: Buffer, timeoutMs = 2000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { connection: 'close' };
    if (body) headers['content-length'] = body.length;
    const req = http.request(url, { method, agent: false, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `url` until it answers 200; resolves with the milliseconds since `since`. */
export async function waitFor200(url: string, since: number, timeoutMs: number, alive: () => boolean): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    try {
      const r = await request(url, 'GET', undefined, 1000);
      if (r.status === 200) return Date.now() - since;
    } catch {
      // Not listening yet.
    }
    if (!alive()) throw new Error('the server exited before answering 200');
    if (Date.now() > deadline) throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sends a request with `Connection: close` and a second one right behind it in the same write.
 * RFC 9112 §9.6: the server must close after the first response and process nothing further.
 * Returns a sentence when the server does otherwise.
 */
export function closeProbe(url: string, timeoutMs = 2000): Promise<string | undefined> {
  const u = new URL(url);
  const req = (close: boolean) => `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(req(true) + req(false)));
    let data = '';
    const verdict = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const responses = data.match(/HTTP\/1\.[01] \d{3} /g)?.length ?? 0;
      if (responses === 0) return resolve(`no response to a Connection: close request${closed ? '' : ' within 2 s'}`);
      const problems = [];
      if (responses > 1) problems.push('answered a request pipelined after `Connection: close`');
      if (!closed) problems.push('left the connection open after `Connection: close`');
      resolve(problems.length ? `${problems.join(' and ')} (RFC 9112 §9.6)` : undefined);
    };
    const timer = setTimeout(() => verdict(false), timeoutMs);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('end', () => verdict(true));
    socket.on('error', () => verdict(true));
  });
}
