// One connection to the broker that keeps itself up: connects (TCP or TLS), authenticates,
// and after a failure or a close reconnects with a growing, jittered delay. The owner hears
// `ready` after every (re)connection and replies as they arrive. A broker that stops answering
// (a PING unanswered for a heartbeat, or no connection within one) counts as gone: TCP alone
// would notice a dead host only after minutes. Writes never wait: while the link is down, or
// while more than `maxQueued` bytes are still unsent (a slow or stalled broker), write()
// refuses and the caller counts a drop.
import net from 'node:net';
import tls from 'node:tls';
import type { BrokerAddress } from './broker-url.js';
import { command, ReplyError, ReplyParser, type Arg, type Reply } from './resp.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;
const KEEPALIVE_MS = 10_000;
/** Every this often a PING; no reply of any kind by the next one and the link is cut. */
const HEARTBEAT_MS = 10_000;

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
  /** Replies to AUTH and PING still expected before the link counts as ready. */
  private handshake = 0;
  private heartbeat?: NodeJS.Timeout;
  /** A PING went out and nothing has come back since. */
  private awaiting = false;

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
    clearInterval(this.heartbeat);
    this.socket?.destroy();
  }

  private connect(): void {
    const { addr } = this;
    const s = addr.tls ? tls.connect({ host: addr.host, port: addr.port, servername: net.isIP(addr.host) ? undefined : addr.host }) : net.connect({ host: addr.host, port: addr.port });
    this.socket = s;
    this.parser.reset();
    s.setNoDelay(true);
    s.setKeepAlive(true, KEEPALIVE_MS);
    this.awaiting = false;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.awaiting || !this.up) return void s.destroy(new Error(`no answer within ${HEARTBEAT_MS / 1000} s`));
      this.awaiting = true;
      for (const b of command(['PING'])) s.write(b);
    }, HEARTBEAT_MS).unref();
    // Ready once the broker itself answers (a stopped Redis's kernel still accepts connections).
    s.once(addr.tls ? 'secureConnect' : 'connect', () => {
      const auth = addr.password === undefined ? [] : [addr.user ? ['AUTH', addr.user, addr.password] : ['AUTH', addr.password]];
      this.handshake = auth.length + 1;
      for (const args of [...auth, ['PING']]) for (const b of command(args)) s.write(b);
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
      clearInterval(this.heartbeat);
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
    this.awaiting = false;
    if (this.handshake) {
      if (reply instanceof ReplyError) return void this.socket?.destroy(new Error(`${this.handshake > 1 ? 'AUTH refused' : 'PING refused'}: ${reply.message}`));
      if (--this.handshake === 0) this.ready();
      return;
    }
    this.events.reply(reply);
  }
}
