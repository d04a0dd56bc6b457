// One connection to the broker that keeps itself up: connects (TCP or TLS), authenticates,
// and after a failure or a close reconnects with a growing, jittered delay. The owner hears
// `ready` after every (re)connection and replies as they arrive. Writes never wait: while the
// link is down, or while more than `maxQueued` bytes are still unsent (a slow or stalled
// broker), write() refuses and the caller counts a drop.
import net from 'node:net';
import tls from 'node:tls';
import type { BrokerAddress } from './broker-url.js';
import { command, ReplyError, ReplyParser, type Arg, type Reply } from './resp.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;
const KEEPALIVE_MS = 10_000;

export interface LinkEvents {
  ready(): void;
  reply(reply: Reply): void;
  /** The connection failed or went away (first failure of a streak, and each later one). */
  down(reason: string, attempt: number): void;
}

export class Link {
  private socket?: net.Socket;
  private up = false;
  private closed = false;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private readonly parser: ReplyParser;
  /** Replies to AUTH still expected before the link counts as ready. */
  private handshake = 0;

  constructor(
    private readonly addr: BrokerAddress,
    private readonly maxQueued: number,
    private readonly events: LinkEvents,
  ) {
    this.parser = new ReplyParser((r) => this.onReply(r));
    this.connect();
  }

  get connected(): boolean {
    return this.up;
  }

  /** Sends one command unless the link is down or backed up; true when it was written. */
  write(args: Arg[]): boolean {
    const s = this.socket;
    if (!this.up || !s || s.writableLength > this.maxQueued) return false;
    s.cork();
    for (const b of command(args)) s.write(b);
    s.uncork();
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private connect(): void {
    const { addr } = this;
    const s = addr.tls ? tls.connect({ host: addr.host, port: addr.port, servername: net.isIP(addr.host) ? undefined : addr.host }) : net.connect({ host: addr.host, port: addr.port });
    this.socket = s;
    this.parser.reset();
    s.setNoDelay(true);
    s.setKeepAlive(true, KEEPALIVE_MS);
    s.once(addr.tls ? 'secureConnect' : 'connect', () => {
      if (addr.password === undefined) return this.ready();
      this.handshake = 1;
      for (const b of command(addr.user ? ['AUTH', addr.user, addr.password] : ['AUTH', addr.password])) s.write(b);
    });
    s.on('data', (d: Buffer) => {
      try {
        this.parser.feed(d);
      } catch (err) {
        s.destroy(err as Error);
      }
    });
    let why = 'closed by the broker';
    s.on('error', (err) => (why = err.message));
    s.on('close', () => {
      if (this.socket !== s) return;
      this.up = false;
      this.socket = undefined;
      if (this.closed) return;
      this.events.down(why, ++this.attempt);
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(this.attempt - 1, 10));
      this.timer = setTimeout(() => this.connect(), delay * (0.5 + Math.random() / 2)).unref();
    });
  }

  private ready(): void {
    this.up = true;
    this.attempt = 0;
    this.events.ready();
  }

  private onReply(reply: Reply): void {
    if (this.handshake) {
      this.handshake = 0;
      if (reply instanceof ReplyError) return void this.socket?.destroy(new Error(`AUTH refused: ${reply.message}`));
      return this.ready();
    }
    this.events.reply(reply);
  }
}
