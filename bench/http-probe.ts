// One-off HTTP requests outside the load generator: start-up probing and response checks.
import http from 'node:http';

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
