// Pub/sub topics within one worker process, for the backend whose engine has none (node: uWS has
// its own topic tree). Topics are per process, as in Bun: fan-out across workers is the app's job.

export class TopicRegistry<S> {
  private readonly topics = new Map<string, Set<S>>();
  private readonly bySocket = new WeakMap<S & object, Set<string>>();

  subscribe(socket: S & object, topic: string): void {
    let subs = this.topics.get(topic);
    if (!subs) this.topics.set(topic, (subs = new Set()));
    subs.add(socket);
    let mine = this.bySocket.get(socket);
    if (!mine) this.bySocket.set(socket, (mine = new Set()));
    mine.add(topic);
  }

  unsubscribe(socket: S & object, topic: string): void {
    const subs = this.topics.get(topic);
    if (subs?.delete(socket) && subs.size === 0) this.topics.delete(topic);
    this.bySocket.get(socket)?.delete(topic);
  }

  isSubscribed(socket: S & object, topic: string): boolean {
    return this.bySocket.get(socket)?.has(topic) ?? false;
  }

  topicsOf(socket: S & object): string[] {
    return [...(this.bySocket.get(socket) ?? [])];
  }

  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.topics.get(topic);
  }

  count(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Removes a closed socket from every topic it was in. */
  drop(socket: S & object): void {
    const mine = this.bySocket.get(socket);
    if (!mine) return;
    for (const topic of mine) this.unsubscribe(socket, topic);
    this.bySocket.delete(socket);
  }
}
