// The seam between a worker's topics and a broker that carries them to other workers
// (worker/pubsub/, loaded only with --pubsub). The backends give the relay their local topics;
// sockets and the server tell it who subscribes and what is published.

/** A backend's own topics: deliver to this worker's subscribers, count them. */
export interface LocalTopics {
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): number;
  count(topic: string): number;
  /** The app's maxPayloadLength (0: none): larger messages are not handed to the broker. */
  maxMessage: number;
}

export interface TopicRelay {
  /** A socket subscribed to `topic`. */
  joined(topic: string): void;
  /** A socket left `topic`, or (no topic) closed and left all of its own. */
  left(topic?: string): void;
  /** Hands a message already delivered locally to the broker; false when it was dropped. */
  publish(topic: string, payload: string | Uint8Array, binary: boolean, compress: boolean): boolean;
}

/** What ServeOptions.pubsub carries: a broker connection that relays a backend's topics. */
export interface TopicBroker {
  attach(local: LocalTopics): TopicRelay;
}
