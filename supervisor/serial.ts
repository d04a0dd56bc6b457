// Runs async operations one after another (a watcher never reloads while it stops, etc.).
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(op: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(op, op);
    this.tail = next.catch(() => {}).finally(() => this.pending--);
    return next;
  }

  get busy(): boolean {
    return this.pending > 0;
  }
}
