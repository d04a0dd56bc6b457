// Clients that are slow on purpose: slow-loris headers, bodies over --max-body, and a reader that
// stops reading in the middle of a large streamed response.
import type { Target } from '../../helpers/http.js';
import { request } from '../../helpers/http.js';
import { connect, statusesIn } from '../../helpers/raw.js';
import { rssKb } from '../../helpers/proc-stats.js';

export interface SlowLorisResult {
  connections: number;
  /** ms from connect to the server's close, per connection that was closed. */
  closedAfterMs: number[];
  /** Connections the server had not closed by the deadline. */
  stillOpen: number;
  /** Status codes the server answered before closing (408 expected from node). */
  statuses: number[];
  /** Good requests sent (one per second) while the slow clients trickled, and how many got 200. */
  goodSent: number;
  goodOk: number;
}

/** `connections` clients each send one header byte every `byteIntervalMs`, never finishing. */
export async function slowLoris(target: Target, connections: number, byteIntervalMs: number, deadlineMs: number): Promise<SlowLorisResult> {
  const head = Buffer.from(`GET /loris HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(4096)}`);
  const result: SlowLorisResult = { connections, closedAfterMs: [], stillOpen: 0, statuses: [], goodSent: 0, goodOk: 0 };
  let running = true;
  const good = (async () => {
    while (running) {
      result.goodSent++;
      try {
        if ((await request(target, '/', { timeoutMs: 5000 })).status === 200) result.goodOk++;
      } catch {
        // counted as not ok
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  await Promise.all(
    Array.from({ length: connections }, () =>
      new Promise<void>((resolve) => {
        const sock = connect(target);
        const t0 = performance.now();
        const got: Buffer[] = [];
        let i = 0;
        let done = false;
        const timer = setInterval(() => (i < head.length ? sock.write(head.subarray(i, ++i)) : undefined), byteIntervalMs);
        const deadline = setTimeout(() => {
          if (!done) result.stillOpen++;
          done = true;
          sock.destroy();
        }, deadlineMs);
        sock.on('data', (d: Buffer) => got.push(d));
        sock.on('error', () => undefined);
        sock.on('close', () => {
          clearInterval(timer);
          clearTimeout(deadline);
          if (!done) {
            result.closedAfterMs.push(performance.now() - t0);
            result.statuses.push(...statusesIn(Buffer.concat(got)));
          }
          done = true;
          resolve();
        });
      }),
    ),
  );
  running = false;
  await good;
  return result;
}

export interface OverLimitResult {
  status: number | undefined;
  /** Body bytes we had written when the response arrived. */
  sentWhenAnswered: number;
  totalIfUnanswered: number;
  rssBeforeKb: number;
  rssAfterKb: number;
}

/**
 * Streams a chunked body in 16 KiB chunks (paced so the server can keep up) until the server
 * answers or `maxBytes` have gone out: a 413 must come once the limit is passed, not at the end.
 */
export function chunkedOverLimit(target: Target, pid: number, maxBytes: number): Promise<OverLimitResult> {
  return new Promise((resolve) => {
    const rssBeforeKb = rssKb(pid);
    const sock = connect(target);
    const chunk = Buffer.alloc(16 * 1024, 97);
    let sent = 0;
    let answeredAt: number | undefined;
    let status: number | undefined;
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      sock.destroy();
      resolve({ status, sentWhenAnswered: answeredAt ?? sent, totalIfUnanswered: sent, rssBeforeKb, rssAfterKb: rssKb(pid) });
    };
    sock.on('connect', () => {
      sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      timer = setInterval(() => {
        for (let k = 0; k < 4 && sent < maxBytes; k++) {
          sock.write(`${chunk.length.toString(16)}\r\n`);
          sock.write(chunk);
          sock.write('\r\n');
          sent += chunk.length;
        }
        if (sent >= maxBytes) finish();
      }, 2);
    });
    sock.on('data', (d: Buffer) => {
      got.push(d);
      const s = statusesIn(Buffer.concat(got));
      if (s.length && answeredAt === undefined) {
        answeredAt = sent;
        status = s[0];
        finish();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => finish());
  });
}

/** Declares a body of `declared` bytes: the answer must come before any body byte is sent. */
export async function declaredOverLimit(target: Target, declared: number, timeoutMs = 5000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = connect(target);
    const got: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('connect', () => sock.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n`));
    sock.on('data', (d: Buffer) => {
      got.push(d);
      if (statusesIn(Buffer.concat(got)).length) sock.destroy();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(statusesIn(Buffer.concat(got))[0]);
    });
  });
}

export interface StalledReaderResult {
  responseMb: number;
  stalledMs: number;
  /** Bytes the app produced for the stalled response (its stream is pulled only on demand). */
  producedMb: number;
  /** Bytes we received before we stopped reading. */
  receivedMb: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** A good request answered while the reader was stalled. */
  servedMeanwhile: boolean;
}

async function produced(target: Target): Promise<number> {
  return Number((await request(target, '/produced')).body);
}

/** Asks for a `mb`-MiB streamed response, reads the first bytes, then stops reading for `stallMs`. */
export async function stalledReader(target: Target, pid: number, mb: number, stallMs: number): Promise<StalledReaderResult> {
  const before = await produced(target);
  const rssBeforeKb = rssKb(pid);
  const sock = connect(target);
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    sock.on('connect', () => sock.write(`GET /big?mb=${mb} HTTP/1.1\r\nHost: x\r\n\r\n`));
    sock.on('error', reject);
    sock.once('data', (d: Buffer) => {
      received += d.length;
      sock.pause();
      resolve();
    });
  });
  await new Promise((r) => setTimeout(r, stallMs));
  const servedMeanwhile = (await request(target, '/', { timeoutMs: 5000 })).status === 200;
  const result: StalledReaderResult = {
    responseMb: mb,
    stalledMs: stallMs,
    producedMb: ((await produced(target)) - before) / 2 ** 20,
    receivedMb: received / 2 ** 20,
    rssBeforeKb,
    rssAfterKb: rssKb(pid),
    servedMeanwhile,
  };
  sock.destroy();
  return result;
}

/** Sends headers declaring a body, 3 bytes of it, then nothing: ms until the server closes. */
export function stalledBody(target: Target, deadlineMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = connect(target);
    const t0 = performance.now();
    let closed: number | undefined;
    const timer = setTimeout(() => sock.destroy(), deadlineMs);
    sock.on('connect', () => sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc'));
    sock.on('error', () => (closed ??= performance.now() - t0));
    sock.on('end', () => (closed ??= performance.now() - t0));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(closed);
    });
  });
}
