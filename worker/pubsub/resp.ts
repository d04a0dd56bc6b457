// RESP2, the Redis wire protocol, as far as pub/sub needs it: commands out as arrays of bulk
// strings, replies in (simple strings, errors, integers, bulk strings as Buffers, arrays).
// Bulk strings stay bytes so a binary message arrives byte for byte.

export type Reply = string | number | Buffer | null | ReplyError | Reply[];

export class ReplyError {
  constructor(readonly message: string) {}
}

/** An argument: a string, bytes, or bytes in parts that go out as one bulk string. */
export type Arg = string | Buffer | Buffer[];

/** One command as the buffers to write (payloads are not copied). */
export function command(args: Arg[]): Buffer[] {
  const out: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const parts = typeof a === 'string' ? [Buffer.from(a)] : Array.isArray(a) ? a : [a];
    out.push(Buffer.from(`$${parts.reduce((n, b) => n + b.length, 0)}\r\n`), ...parts, CRLF);
  }
  return out;
}

const CRLF = Buffer.from('\r\n');
const INCOMPLETE = Symbol('incomplete');

/**
 * Feeds bytes in, calls `onReply` per complete reply. Waits until a bulk string's bytes are all
 * there before joining chunks, so a large message costs one copy, not one per chunk.
 */
export class ReplyParser {
  private chunks: Buffer[] = [];
  private have = 0;
  private need = 0;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly onReply: (reply: Reply) => void) {}

  feed(data: Buffer): void {
    this.chunks.push(data);
    this.have += data.length;
    if (this.have < this.need) return;
    this.buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.need = 0;
    for (;;) {
      this.pos = 0;
      const reply = this.value();
      if (reply === INCOMPLETE) break;
      this.buf = this.buf.subarray(this.pos);
      this.onReply(reply);
      if (this.buf.length === 0) break;
    }
    this.chunks = this.buf.length ? [this.buf] : [];
    this.have = this.buf.length;
    if (!this.need) this.need = this.have + 1;
  }

  reset(): void {
    this.chunks = [];
    this.have = this.need = 0;
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buf.indexOf(CRLF, this.pos);
    if (end < 0) return INCOMPLETE;
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private value(): Reply | typeof INCOMPLETE {
    if (this.pos >= this.buf.length) return INCOMPLETE;
    const type = String.fromCharCode(this.buf[this.pos++]);
    const head = this.line();
    if (head === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case '+':
        return head;
      case '-':
        return new ReplyError(head);
      case ':':
        return Number(head);
      case '$': {
        const len = Number(head);
        if (len < 0) return null;
        if (this.pos + len + 2 > this.buf.length) {
          this.need = this.pos + len + 2;
          return INCOMPLETE;
        }
        const out = this.buf.subarray(this.pos, this.pos + len);
        this.pos += len + 2;
        return out;
      }
      case '*': {
        const n = Number(head);
        if (n < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) {
          const item = this.value();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`the broker sent a reply of unknown type ${JSON.stringify(type)}`);
    }
  }
}
