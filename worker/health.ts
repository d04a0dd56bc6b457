// The worker's own health answer (--health-path): 200 while it serves, 503 from the moment a stop
// is coming (its supervisor said it is stopping, the --stop-delay window, the drain), so a load
// balancer that checks the application port moves away before the worker stops listening. The
// backends answer it themselves: such requests never reach the app and count for nothing.
import type { HealthCheck, HealthReply } from './contract.js';

/** serving → stopping (lame duck: still serving, failing checks) → draining. Never goes back. */
export type HealthState = 'serving' | 'stopping' | 'draining';

const ORDER: HealthState[] = ['serving', 'stopping', 'draining'];

export class Health {
  private current: HealthState = 'serving';

  /** `details`: more fields for the answer (the broker's state and counts with --pubsub). */
  constructor(private readonly details?: () => Record<string, unknown>) {}

  get state(): HealthState {
    return this.current;
  }

  /** Moves forward only: a late "stopping" never turns a drain back. */
  enter(state: HealthState): void {
    if (ORDER.indexOf(state) > ORDER.indexOf(this.current)) this.current = state;
  }

  reply(): HealthReply {
    const ok = this.current === 'serving';
    return { status: ok ? 200 : 503, body: `${JSON.stringify({ status: ok ? 'ok' : 'unavailable', state: this.current, pid: process.pid, ...this.details?.() })}\n` };
  }

  /** The check a backend serves on `path`. */
  on(path: string): HealthCheck {
    return { path, reply: () => this.reply() };
  }
}
