// A single-flight loop: wake() asks for a pass, passes never overlap, and settle() resolves at
// the end of a pass that began after it was called (so that pass saw what the caller wanted).
export class Reconciler {
  private running = false;
  private again = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  wake(): void {
    this.again = true;
    if (!this.running) void this.run();
  }

  settle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.wake();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.again) {
      this.again = false;
      const served = this.waiters.splice(0);
      try {
        await this.pass();
      } catch (err) {
        this.onError(err as Error);
      }
      served.forEach((resolve) => resolve());
    }
    this.running = false;
  }
}
