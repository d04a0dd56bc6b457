// Topics across workers through Redis pub/sub. A publish is delivered to this worker's own
// subscribers first (never waiting for the broker), then handed to the broker tagged with this
// worker's id; messages that come back carrying our own id are ignored, so nobody gets one twice.
// The worker subscribes on the broker only to topics that have subscribers here and
// unsubscribes when the last one leaves. Delivery is at most once: what is published while the
// broker is unreachable or not keeping up is dropped and counted.
import crypto from 'node:crypto';
import type { PubSubCounts } from '../../sys/metrics-report.js';
import type { Logger } from '../log.js';
import type { LocalTopics, TopicBroker, TopicRelay } from '../contract.js';
import type { BrokerAddress } from './broker-url.js';
import { Link } from './link.js';
import { ReplyError, type Reply } from './resp.js';

/** Broker payload: flags byte, 8-byte publisher id, the message. */
const BINARY = 1;
const COMPRESS = 2;
const HEAD = 9;
const MESSAGE = Buffer.from('message');

export interface PubSubOptions {
  prefix: string;
  /** Unsent bytes on the publishing connection beyond which a publish is dropped. */
  maxQueued: number;
}

export interface PubSubStats {
  state: 'connected' | 'connecting' | 'down';
  published: number;
  received: number;
  dropped: number;
  topics: number;
}

export class RedisTopics implements TopicBroker {
  readonly id = crypto.randomBytes(8);
  private readonly pub: Link;
  private readonly sub: Link;
  private readonly watched = new Set<string>();
  private local?: LocalTopics;
  private outage = false;
  private ever = false;
  private dropping = false;
  private toldSize = false;
  private recheck?: Set<string> | 'all';
  readonly stats = { published: 0, received: 0, dropped: 0 };

  constructor(
    private readonly addr: BrokerAddress,
    private readonly opts: PubSubOptions,
    private readonly log: Logger,
  ) {
    this.pub = new Link(addr, opts.maxQueued, { ready: () => this.up(), reply: (r) => this.failed(r), down: (why) => this.down('publisher', why) });
    // Subscriptions are few small commands; the bound is for published messages.
    this.sub = new Link(addr, Number.MAX_SAFE_INTEGER, { ready: () => this.resubscribe(), reply: (r) => this.received(r), down: (why) => this.down('subscriber', why) });
  }

  get state(): PubSubStats['state'] {
    if (this.pub.connected && this.sub.connected) return 'connected';
    return this.outage ? 'down' : 'connecting';
  }

  snapshot(): PubSubStats {
    return { state: this.state, ...this.stats, topics: this.watched.size };
  }

  /** For the supervisor's metrics. */
  counts(): PubSubCounts {
    return { ...this.stats, connected: this.state === 'connected' ? 1 : 0 };
  }

  /** Resolves true once both connections are up, false after `ms`. */
  async whenConnected(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.state !== 'connected') {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  attach(local: LocalTopics): TopicRelay {
    this.local = local;
    return {
      joined: (topic) => this.joined(topic),
      left: (topic) => this.left(topic),
      publish: (topic, payload, binary, compress) => this.publish(topic, payload, binary, compress),
    };
  }

  close(): void {
    this.pub.close();
    this.sub.close();
  }

  private joined(topic: string): void {
    if (this.watched.has(topic)) return;
    this.watched.add(topic);
    this.sub.write(['SUBSCRIBE', this.opts.prefix + topic]); // while down: resubscribe() sends it
  }

  /** Checked after the current event, once every socket closed in it has left its topics. */
  private left(topic?: string): void {
    if (!this.recheck) setImmediate(() => this.unwatchEmpty());
    if (topic === undefined) this.recheck = 'all';
    else if (this.recheck !== 'all') {
      this.recheck ??= new Set();
      this.recheck.add(topic);
    }
  }

  private unwatchEmpty(): void {
    const topics = this.recheck === 'all' ? [...this.watched] : [...(this.recheck ?? [])];
    this.recheck = undefined;
    const gone = topics.filter((t) => this.watched.has(t) && !this.local?.count(t));
    for (const t of gone) this.watched.delete(t);
    if (gone.length) this.sub.write(['UNSUBSCRIBE', ...gone.map((t) => this.opts.prefix + t)]);
  }

  private publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): boolean {
    const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const max = this.local?.maxMessage;
    if (max && data.length > max) {
      this.stats.dropped++;
      if (!this.toldSize) this.log.warn(`pubsub: a ${data.length}-byte message to topic ${JSON.stringify(topic)} is over the app's maxPayloadLength (${max}); delivered in this worker only (said once; counted as dropped)`);
      this.toldSize = true;
      return false;
    }
    const head = Buffer.allocUnsafe(HEAD);
    head[0] = (binary ? BINARY : 0) | (compress ? COMPRESS : 0);
    this.id.copy(head, 1);
    if (this.pub.write(['PUBLISH', this.opts.prefix + topic, [head, data]])) {
      this.stats.published++;
      this.dropping = false;
      return true;
    }
    this.stats.dropped++;
    if (!this.dropping && this.pub.connected) this.log.warn(`pubsub: the broker ${this.addr.label} is not keeping up (over ${this.opts.maxQueued} bytes unsent); dropping messages to other workers until it catches up`);
    this.dropping = true;
    return false;
  }

  private received(reply: Reply): void {
    if (reply instanceof ReplyError) return this.failed(reply);
    if (!Array.isArray(reply) || reply.length !== 3 || !MESSAGE.equals(reply[0] as Buffer)) return; // subscribe/unsubscribe acks
    const [, channel, payload] = reply as [Buffer, Buffer, Buffer];
    if (payload.length < HEAD || payload.compare(this.id, 0, 8, 1, HEAD) === 0) return; // ours, already delivered here
    const topic = channel.toString().slice(this.opts.prefix.length);
    const binary = (payload[0] & BINARY) !== 0;
    const data = payload.subarray(HEAD);
    this.stats.received++;
    this.local?.publish(topic, binary ? data : data.toString(), binary, (payload[0] & COMPRESS) !== 0);
  }

  private resubscribe(): void {
    if (this.watched.size) this.sub.write(['SUBSCRIBE', ...[...this.watched].map((t) => this.opts.prefix + t)]);
    this.up();
  }

  private up(): void {
    if (!this.pub.connected || !this.sub.connected) return;
    if (this.outage) this.log.info(`pubsub: broker ${this.addr.label} reachable again; topics resubscribed`);
    else if (!this.ever) this.log.debug(`pubsub: connected to broker ${this.addr.label}`);
    this.outage = false;
    this.ever = true;
  }

  private down(link: string, why: string): void {
    if (this.outage) return;
    this.outage = true;
    this.log.warn(`pubsub: broker ${this.addr.label} unreachable (${link} connection: ${why}); serving on, messages to and from other workers are lost until it is back; retrying`);
  }

  private failed(reply: Reply): void {
    if (reply instanceof ReplyError) this.log.warn(`pubsub: the broker answered an error: ${reply.message}`);
  }
}
