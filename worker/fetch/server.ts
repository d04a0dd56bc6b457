// The second argument of a fetch handler: Bun's `server` (upgrade, publish, requestIP and the
// pending counts), one object per worker. What differs per backend comes in through ServerHost;
// what differs per request (can it be upgraded, who sent it) through the request's source.
import { requestSourceOf, type RemoteInfo } from './request.js';
import { byteLength, payloadOf, SEND_DROPPED, type SendData } from './server-websocket.js';
import type { TopicRelay } from '../contract.js';
import type { UpgradeOptions } from './websocket-options.js';

export interface ServerHost {
  /** Sends to every subscriber of `topic`; returns a Bun send status. */
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number;
  subscriberCount(topic: string): number;
  pendingRequests(): number;
  pendingWebSockets(): number;
}

export class FetchServer {
  readonly #host: ServerHost;

  constructor(host: ServerHost) {
    this.#host = host;
  }

  /**
   * Turns `request` into a WebSocket when it asks for one and the app exports a websocket
   * handler; then whatever fetch returns is ignored. False otherwise (also while draining).
   */
  upgrade(request: Request, options: UpgradeOptions = {}): boolean {
    const source = requestSourceOf(request);
    return source?.upgrade ? source.upgrade(options) : false;
  }

  publish(topic: string, data: SendData, compress = false): number {
    const payload = payloadOf(data);
    return this.#host.publish(String(topic), payload, typeof payload !== 'string', compress);
  }

  subscriberCount(topic: string): number {
    return this.#host.subscriberCount(String(topic));
  }

  requestIP(request: Request): RemoteInfo | null {
    return requestSourceOf(request)?.remote?.() ?? null;
  }

  get pendingRequests(): number {
    return this.#host.pendingRequests();
  }

  get pendingWebSockets(): number {
    return this.#host.pendingWebSockets();
  }
}

/**
 * The server of a worker whose app serves WebSockets: publish goes to this worker's subscribers
 * first, then to other workers through the hub's relay (--pubsub) when there is one.
 */
export function webSocketHost(hub: { readonly relay?: TopicRelay; readonly size: number }, local: ServerHost['publish'], subscriberCount: ServerHost['subscriberCount'], pendingRequests: () => number): ServerHost {
  return {
    publish: (topic, payload, binary, compress) => {
      const sent = local(topic, payload, binary, compress);
      return hub.relay?.publish(topic, payload, binary, compress) ? Math.max(sent, byteLength(payload), 1) : sent;
    },
    subscriberCount,
    pendingRequests,
    pendingWebSockets: () => hub.size,
  };
}

/** The server of a worker whose app exports no websocket handler: nothing to publish to. */
export function plainHost(pendingRequests: () => number): ServerHost {
  return { publish: () => SEND_DROPPED, subscriberCount: () => 0, pendingRequests, pendingWebSockets: () => 0 };
}
