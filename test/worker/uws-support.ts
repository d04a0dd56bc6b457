// Shared by the uws backend tests: start a worker on an inherited fd, talk HTTP to it.
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { BUILD, ROOT, start, waitForOutput, type Spawned } from '../helpers/process.js';
import { closeFd, createListener } from '../../sys/sockets.js';

export const CLI = path.join(BUILD, 'worker/cli.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/uws');
export const FETCH_APP = path.join(FIXTURES, 'fetch-app.ts');

export type Target = { host: string; port: number } | { socketPath: string };

/** `circus-worker --fd 3 …` with `fd` as the child's fd 3 (as a supervisor passes it). */
export function startOnFd(fd: number, args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return start(process.execPath, [CLI, '--fd', '3', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', fd],
    env: { ...process.env, ...env },
  });
}

/** Waits for the start line; returns the backend it names. */
export async function ready(p: Spawned): Promise<string> {
  const m = await waitForOutput(p, /serving .* backend=(\w+)/, 30000);
  return m[1];
}

export interface Reply {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Buffer[];
  agent?: http.Agent | false;
}

/** One HTTP request; a Buffer[] body is sent chunked, piece by piece. */
export function request(target: Target, urlPath: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path: urlPath, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, statusText: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`request ${urlPath} timed out`)));
    if (Array.isArray(opts.body)) {
      for (const piece of opts.body) req.write(piece);
      req.end();
    } else req.end(opts.body);
  });
}

/** Sends raw bytes and returns everything received until the server closes or `ms` pass. */
export function raw(target: Target, text: string, ms = 2000): Promise<string> {
  return rawInTwo(target, text, 0, ms);
}

/**
 * Like raw(), but the bytes go in two writes `gapMs` apart (the first 100 bytes, then the
 * rest), so the server cannot read them in one go; gapMs 0 sends them in one write.
 */
export function rawInTwo(target: Target, text: string, gapMs: number, ms = 2000 + gapMs): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = 'socketPath' in target ? net.connect(target.socketPath) : net.connect(target.port, target.host);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, ms);
    socket.on('connect', () => {
      if (gapMs <= 0) return socket.write(text);
      socket.write(text.slice(0, 100));
      setTimeout(() => socket.writable && socket.write(text.slice(100)), gapMs);
    });
    socket.on('data', (d) => (data += d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A reset ends the exchange like a close does: report what arrived before it.
      if (data || err.code === 'ECONNRESET') resolve(data);
      else reject(err);
    });
  });
}

/** A worker serving `app` on a fresh loopback listener; release() closes our copy of the fd. */
export interface FixtureWorker {
  target: { host: string; port: number };
  worker: Spawned;
  release(): void;
}

export async function startFixtureWorker(backend: 'node' | 'uws', args: string[] = [], app = FETCH_APP): Promise<FixtureWorker> {
  const l = createListener({ address: { family: 'AF_INET', host: '127.0.0.1', port: 0 } });
  const release = () => closeFd(l.fd);
  try {
    const worker = startOnFd(l.fd, ['--backend', backend, ...args, app]);
    const got = await ready(worker);
    if (got !== backend) throw new Error(`worker came up with backend ${got}, not ${backend}`);
    return { target: { host: '127.0.0.1', port: (l.address as { port: number }).port }, worker, release };
  } catch (err) {
    release();
    throw err;
  }
}
