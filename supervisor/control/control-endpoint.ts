// The control endpoint: newline-delimited JSON over TCP (loopback unless allowed) or a Unix
// socket created mode 0600. One bad message or unknown watcher answers an error; it never
// takes the daemon down.
import fs from 'node:fs';
import net from 'node:net';
import { CpuBaseline } from '../run/stats.js';
import { dispatch, type CommandTarget } from './commands.js';
import type { Endpoint } from '../endpoint.js';
import { EXIT, SupervisorError } from '../errors.js';
import { log } from '../log.js';

/** The usual cause is a second project's supervisor started from the same example INI. */
const MOVE_IT = ' (is another circus-supervisor running? give this one its own: [circus] endpoint = tcp://127.0.0.1:PORT, or unix://PATH)';

export class ControlServer {
  private server?: net.Server;
  private readonly conns = new Set<net.Socket>();
  address = '';

  constructor(private readonly arbiter: CommandTarget, private readonly endpoint: Endpoint) {}

  async listen(): Promise<void> {
    const ep = this.endpoint;
    if (ep.kind === 'unix') await removeStale(ep.path);
    const server = net.createServer((c) => this.serve(c));
    this.server = server;
    const previous = process.umask(0o177); // the socket file is born 0600
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        if (ep.kind === 'unix') server.listen(ep.path, resolve);
        else server.listen({ host: ep.host, port: ep.port }, resolve);
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SupervisorError('EENDPOINT', `cannot listen on control endpoint ${ep.url}: ${code ?? (err as Error).message}${code === 'EADDRINUSE' ? MOVE_IT : ''}`, EXIT.ENDPOINT);
    } finally {
      process.umask(previous);
    }
    if (ep.kind === 'unix') fs.chmodSync(ep.path, 0o600);
    const a = server.address();
    this.address = ep.kind === 'unix' ? ep.url : typeof a === 'object' && a ? `tcp://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` : ep.url;
    log.info(`control endpoint on ${this.address}`);
  }

  private serve(c: net.Socket): void {
    this.conns.add(c);
    c.on('close', () => this.conns.delete(c));
    c.on('error', () => {});
    // CPU % in stats answers: since this connection's previous sample, whatever other clients ask.
    const cpu = new CpuBaseline();
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      if (buf.length > 1 << 20) return void c.destroy();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) void this.answer(c, line, cpu);
      }
    });
  }

  private async answer(c: net.Socket, line: string, cpu: CpuBaseline): Promise<void> {
    let id: unknown;
    let reply: Record<string, unknown>;
    try {
      const msg = JSON.parse(line);
      id = msg?.id;
      reply = { status: 'ok', ...(await dispatch(this.arbiter, msg, cpu)) };
    } catch (err) {
      const e = err as { code?: string; message: string };
      reply = { status: 'error', reason: err instanceof SyntaxError ? `not JSON: ${e.message}` : e.message, errno: e.code ?? 'EINTERNAL' };
    }
    if (!c.writable) return;
    c.write(JSON.stringify({ id, ...reply, time: Date.now() / 1000 }) + '\n');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // Let the last answer (e.g. to "quit") reach the client before closing.
    for (const c of this.conns) c.end();
    await new Promise<void>((r) => server.close(() => r()));
    if (this.endpoint.kind === 'unix') fs.rmSync(this.endpoint.path, { force: true });
  }
}

/** A leftover socket file nobody listens on is removed; a live one means another supervisor. */
async function removeStale(path: string): Promise<void> {
  if (!fs.existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(path, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
  if (alive) throw new SupervisorError('EENDPOINTBUSY', `control endpoint unix://${path} is in use${MOVE_IT}`, EXIT.ENDPOINT);
  fs.rmSync(path, { force: true });
}
