// Runs async operations one after another (a watcher never reloads while it stops, etc.).
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op, op);
    this.tail = next.catch(() => {});
    return next;
  }
}
