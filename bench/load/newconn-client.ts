// New connection per request, done by the client: connect, send one request (Connection: close),
// read one complete response, close, repeat. Neither autocannon 9 (its reconnectRate drops every
// response) nor wrk can do this; both keep a connection the server leaves open, and a server that
// ignores `Connection: close` would then be measured on keep-alive instead.
import net from 'node:net';
import type { LoadJob, LoadResult } from './types.js';

interface Tally {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencies: number[];
}

function requestBytes(url: URL, job: LoadJob): Buffer {
  const body = job.body === undefined ? undefined : Buffer.from(job.body, 'latin1');
  const head = [`${job.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  if (body) head.push('Content-Type: application/octet-stream', `Content-Length: ${body.length}`);
  const bytes = Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1');
  return body ? Buffer.concat([bytes, body]) : bytes;
}

/** Index just past the response, or -1 while incomplete (Content-Length bodies; else until close). */
function responseEnd(buf: Buffer): { end: number; status: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!len) return { end: -1, status };
  const end = headEnd + 4 + Number(len[1]);
  return { end: buf.length >= end ? end : -1, status };
}

function oneRequest(url: URL, bytes: Buffer, timeoutMs: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: 'ok' | 'error' | 'timeout', status = 0) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome === 'timeout') tally.timeouts++;
      if (outcome !== 'ok') tally.errors++;
      else {
        tally.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status >= 200 && status < 300) tally.ok++;
        else tally.non2xx++;
      }
      resolve();
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const r = responseEnd(buf);
      if (r && r.end >= 0) finish('ok', r.status);
    });
    socket.on('end', () => {
      const r = responseEnd(buf);
      finish(r ? 'ok' : 'error', r?.status);
    });
    socket.on('error', () => finish('error'));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runNewConnections(job: LoadJob): Promise<Omit<LoadResult, 'generatorCores'>> {
  const url = new URL(job.url);
  const bytes = requestBytes(url, job);
  const tally: Tally = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, latencies: [] };
  const t0 = Date.now();
  const deadline = t0 + job.durationSec * 1000;
  const loop = async () => {
    while (Date.now() < deadline) await oneRequest(url, bytes, job.timeoutSec * 1000, tally);
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  const seconds = (Date.now() - t0) / 1000;
  const sorted = tally.latencies.sort((a, b) => a - b);
  return {
    rps: tally.ok / seconds,
    responses2xx: tally.ok,
    seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors: tally.errors,
    timeouts: tally.timeouts,
    non2xx: tally.non2xx,
  };
}
