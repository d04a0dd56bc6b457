// The worker's life after it serves: signals and other stop reasons only record an intent;
// one place turns the first intent into a drain with a deadline and the second into an exit.
import { notify } from '../sys/notify.js';
import type { RunningServer } from './contract.js';
import { EXIT_FAILURE, EXIT_OK } from './error-codes.js';
import type { Logger } from './log.js';

export interface LifecycleOptions {
  gracefulTimeoutMs: number;
  log: Logger;
}

export interface Lifecycle {
  /** Asks for a graceful stop; a second request while draining exits at once. */
  stop(reason: string, exitCode?: number): void;
  /** Resolves with the exit code once the worker is done. */
  readonly done: Promise<number>;
}

/**
 * A second stop request this soon after the first is the same request arriving twice, not
 * impatience: Ctrl-C reaches the whole process group, and the supervisor then sends its own
 * stop signal a few milliseconds later.
 */
export const SAME_STOP_WINDOW_MS = 1000;

export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP'];

export function createLifecycle(server: RunningServer, opts: LifecycleOptions): Lifecycle {
  const { log } = opts;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let state: 'serving' | 'draining' | 'done' = 'serving';

  const end = (code: number) => {
    if (state === 'done') return;
    state = 'done';
    finish(code);
  };

  const drain = (reason: string, exitCode: number) => {
    state = 'draining';
    const ws = server.webSockets();
    log.info(`stopping (${reason}): no new connections, draining ${server.connections()} open connection(s)${ws ? `, closing ${ws} WebSocket(s) with 1001` : ''}`);
    notify('STOPPING=1');
    const timer = setTimeout(() => {
      log.warn(`graceful timeout (${opts.gracefulTimeoutMs / 1000}s) passed with ${server.connections()} connection(s) and ${server.webSockets()} WebSocket(s) open; closing them`);
      server.forceClose();
      end(exitCode);
    }, opts.gracefulTimeoutMs);
    server.drain().then(() => {
      clearTimeout(timer);
      end(exitCode);
    });
  };

  let stopAskedAt = 0;
  const stop = (reason: string, exitCode = EXIT_OK) => {
    if (state === 'serving') {
      // Deferred so a signal handler never runs the drain itself.
      state = 'draining';
      stopAskedAt = Date.now();
      queueMicrotask(() => drain(reason, exitCode));
    } else if (state === 'draining' && Date.now() - stopAskedAt < SAME_STOP_WINDOW_MS) {
      log.debug(`${reason} within ${SAME_STOP_WINDOW_MS} ms of the first stop request: same request, still draining`);
    } else if (state === 'draining') {
      log.warn(`${reason} while draining: exiting now`);
      server.forceClose();
      end(EXIT_FAILURE);
    }
  };

  return { stop, done };
}
