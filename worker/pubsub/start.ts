// --pubsub: the broker connection a worker starts with (imported only when the option is set).
import { WorkerError } from '../error-codes.js';
import type { Logger } from '../log.js';
import { parseBrokerUrl } from './broker-url.js';
import { RedisTopics } from './redis-topics.js';

/** Unsent bytes to the broker beyond which publishes are dropped (a slow or stalled broker). */
const MAX_QUEUED = 8 * 1024 * 1024;

export async function startPubSub(url: string, prefix: string, waitSeconds: number, log: Logger): Promise<RedisTopics> {
  let addr;
  try {
    addr = parseBrokerUrl(url);
  } catch (err) {
    throw new WorkerError('EPUBSUB', `--pubsub (or CIRCUS_PUBSUB_URL): ${(err as Error).message}`);
  }
  const topics = new RedisTopics(addr, { prefix, maxQueued: MAX_QUEUED }, log);
  if (waitSeconds > 0 && !(await topics.whenConnected(waitSeconds * 1000))) {
    topics.close();
    throw new WorkerError('EPUBSUB', `--pubsub: the broker ${addr.label} did not answer within ${waitSeconds} s (--pubsub-wait)`);
  }
  return topics;
}
