// Shared by the --pubsub tests: workers of the room fixture on a broker, their clients, what the
// clients saw, a marker that proves nothing more is on its way, and cleanup.
import crypto from 'node:crypto';
import path from 'node:path';
import { ROOT } from '../helpers/process.js';
import { Redis } from '../helpers/redis.js';
import { Client, startWsWorker, type WsWorker } from './support.js';

export const PUBSUB_APP = path.join(ROOT, 'test/fixtures/ws/pubsub-app.mjs');

export interface PubSubHealth {
  state: string;
  published: number;
  received: number;
  dropped: number;
  topics: number;
}

export async function brokerWorker(backend: 'node' | 'uws', redis: Redis | string, options: Record<string, unknown> = {}, args: string[] = []): Promise<WsWorker> {
  const url = typeof redis === 'string' ? redis : redis.url;
  return startWsWorker(backend, ['--pubsub', url, '--health-path', '/healthz', ...args], options, PUBSUB_APP);
}

export async function pubsubOf(w: WsWorker): Promise<PubSubHealth> {
  return ((await (await fetch(`http://127.0.0.1:${w.port}/healthz`)).json()) as { pubsub: PubSubHealth }).pubsub;
}

export async function member(w: WsWorker, name: string, topic = 'room'): Promise<Client> {
  const c = await Client.open(w.url(`/ws?name=${name}&topic=${topic}`));
  await c.nextJson(`${name}'s hello`);
  return c;
}

/** What `c` got after its hello: text as is, binary as `bin:<hex>`. */
export function seen(c: Client): string[] {
  return c.got.slice(1).map((m) => (m.binary ? `bin:${(m.data as Buffer).toString('hex')}` : (m.data as string)));
}

/**
 * Publishes a marker from `from` and waits until every client in `to` has it. Redis sends a
 * connection its messages in order, so anything a worker would have delivered twice (its own
 * message coming back) arrives before the marker.
 */
export async function flush(from: Client, to: Client[], marker = `end:${crypto.randomUUID()}`): Promise<void> {
  from.ws.send(marker);
  await Promise.all(to.map((c) => c.until(marker, 20000)));
  for (const c of to) c.got.splice(c.got.findIndex((m) => m.data === marker), 1);
}

export function stopAll(...things: Array<WsWorker | Redis | Client | undefined>): Promise<unknown> {
  return Promise.all(things.map(async (t) => {
    if (!t) return;
    if (t instanceof Redis) return t.stop();
    if (t instanceof Client) return t.ws.terminate();
    t.proc.child.kill('SIGKILL');
    await t.proc.exited;
    t.release();
  }));
}


/** A Redis and two workers A and B on it (`argsB`: B's extra flags) for `fn`, all stopped after. */
export async function withPair(backend: 'node' | 'uws', fn: (p: { redis: Redis; a: WsWorker; b: WsWorker }) => Promise<void>, options: Record<string, unknown> = {}, argsB: string[] = []): Promise<void> {
  const redis = await Redis.start();
  let a: WsWorker | undefined, b: WsWorker | undefined;
  try {
    a = await brokerWorker(backend, redis, options);
    b = await brokerWorker(backend, redis, options, argsB);
    await fn({ redis, a, b });
  } finally {
    await stopAll(a, b, redis);
  }
}
