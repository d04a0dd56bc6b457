// The worker's life after it serves: signals and other stop reasons only record an intent;
// one place turns the first intent into a drain with a deadline and the second into an exit.
// Once READY, a heartbeat tells the supervisor (and systemd) that the event loop still turns.
// With a stop delay, a stop signal first makes the worker a lame duck: health checks get 503
// while every request is still served, and only then does the drain start.
import { notify, notifyParent, notifySystemd, systemdWatchdogMs } from '../sys/notify.js';
import { STOPPING, WATCHDOG, watchdogLine } from '../sys/notify-protocol.js';
import type { RunningServer } from './contract.js';
import { EXIT_FAILURE, EXIT_OK } from './error-codes.js';
import { Health } from './health.js';
import type { Logger } from './log.js';
import type { LoopLag } from './loop-lag.js';

export interface LifecycleOptions {
  gracefulTimeoutMs: number;
  /** --stop-delay: how long a stop signal keeps the worker serving with failing health checks. */
  stopDelayMs?: number;
  health?: Health;
  log: Logger;
}

export interface Lifecycle {
  /** Asks for a graceful stop now; a second request while draining exits at once. */
  stop(reason: string, exitCode?: number): void;
  /** A stop signal: the stop delay first (a second signal ends it early), then as stop(). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code once the worker is done. */
  readonly done: Promise<number>;
}

/**
 * A second stop request this soon after the first is the same request arriving twice, not
 * impatience: Ctrl-C reaches the whole process group, and the supervisor then sends its own
 * stop signal a few milliseconds later.
 */
const SAME_STOP_WINDOW_MS = 1000;

export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP'];

export function createLifecycle(server: RunningServer, opts: LifecycleOptions): Lifecycle {
  const { log } = opts;
  const health = opts.health ?? new Health();
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let state: 'serving' | 'lame-duck' | 'draining' | 'done' = 'serving';
  let lameDuckTimer: NodeJS.Timeout | undefined;

  const end = (code: number) => {
    if (state === 'done') return;
    state = 'done';
    finish(code);
  };

  const drain = (reason: string, exitCode: number) => {
    state = 'draining';
    health.enter('draining');
    const ws = server.webSockets();
    log.info(`stopping (${reason}): no new connections, draining ${server.connections()} open connection(s)${ws ? `, closing ${ws} WebSocket(s) with 1001` : ''}`);
    notify(STOPPING);
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
  const again = () => Date.now() - stopAskedAt < SAME_STOP_WINDOW_MS;
  const startDrain = (reason: string, exitCode: number) => {
    clearTimeout(lameDuckTimer);
    // Deferred so a signal handler never runs the drain itself.
    state = 'draining';
    stopAskedAt = Date.now();
    queueMicrotask(() => drain(reason, exitCode));
  };

  const stop = (reason: string, exitCode = EXIT_OK) => {
    if (state === 'serving' || state === 'lame-duck') startDrain(reason, exitCode);
    else if (state === 'draining' && again()) {
      log.debug(`${reason} within ${SAME_STOP_WINDOW_MS} ms of the first stop request: same request, still draining`);
    } else if (state === 'draining') {
      log.warn(`${reason} while draining: exiting now`);
      server.forceClose();
      end(EXIT_FAILURE);
    }
  };

  const signal = (sig: NodeJS.Signals) => {
    const delay = opts.stopDelayMs ?? 0;
    if (state === 'serving' && delay > 0) {
      state = 'lame-duck';
      stopAskedAt = Date.now();
      health.enter('stopping');
      log.info(`${sig}: health checks get 503 for ${delay / 1000}s (--stop-delay) while requests are still served, then draining`);
      lameDuckTimer = setTimeout(() => startDrain(`${sig}, after the stop delay`, EXIT_OK), delay);
    } else if (state === 'lame-duck' && again()) {
      log.debug(`${sig} within ${SAME_STOP_WINDOW_MS} ms of the first stop request: same request`);
    } else if (state === 'lame-duck') {
      log.info(`${sig} during the stop delay: draining now`);
      startDrain(sig, EXIT_OK);
    } else stop(sig);
  };

  return { stop, signal, done };
}

/** Heartbeat interval on the supervisor's pipe unless CIRCUS_HEARTBEAT_MS says otherwise. */
const HEARTBEAT_MS = 1000;

export function heartbeatMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.CIRCUS_HEARTBEAT_MS) > 0 ? Number(env.CIRCUS_HEARTBEAT_MS) : HEARTBEAT_MS;
}

/**
 * From the event loop, once READY: `WATCHDOG=1 LOOP_DELAY_MS=mean LOOP_DELAY_MAX_MS=max` on the
 * supervisor's pipe every CIRCUS_HEARTBEAT_MS (the delay over the last one or two beats, from
 * `lag`; no pipe heartbeat without it), and WATCHDOG=1 to systemd every WATCHDOG_USEC / 2 when
 * systemd asks this process for it. Plain unref'd timers: a blocked event loop stops them, which
 * is what the supervisor's `timeout` and WatchdogSec= watch. Returns a function that stops both.
 */
export function startHeartbeat(lag: LoopLag | undefined, env: NodeJS.ProcessEnv = process.env): () => void {
  const timers: NodeJS.Timeout[] = [];
  if (lag && Number(env.CIRCUS_NOTIFY_FD) > 2) {
    timers.push(
      setInterval(() => {
        const { meanMs, maxMs } = lag.read();
        notifyParent(watchdogLine(meanMs, maxMs), env);
      }, heartbeatMs(env)).unref(),
    );
  }
  const systemd = systemdWatchdogMs(env);
  // As sd_watchdog_enabled(1) does: children the app starts are not the ones systemd watches.
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  if (systemd) timers.push(setInterval(() => notifySystemd(WATCHDOG, env), systemd / 2).unref());
  return () => timers.forEach(clearInterval);
}
