// The notify pipe's protocol, both directions, one line per message. CIRCUS_NOTIFY_FD is a Unix
// socketpair: circus-worker writes READY=1, STOPPING=1, WATCHDOG=1 heartbeats, METRICS= reports
// and STATUS= up it; circus-supervisor writes LAMEDUCK=1 down it. Unknown lines are ignored on
// both sides, so either end can be newer than the other.
import { parseReport, type MetricsReport } from './metrics-report.js';

export const READY = 'READY=1';
export const STOPPING = 'STOPPING=1';
export const WATCHDOG = 'WATCHDOG=1';
const STATUS_PREFIX = 'STATUS=';
/** Down the pipe: the supervisor is stopping; fail health checks, keep serving until the stop signal. */
export const LAMEDUCK = 'LAMEDUCK=1';
/** Up the pipe every second: a JSON MetricsReport (sys/metrics-report.ts). */
const METRICS_PREFIX = 'METRICS=';

/**
 * The longest line either side reads; a longer one is dropped. A METRICS= report is well under
 * 1 KiB; the cap keeps a child that writes without newlines from growing its reader's memory.
 */
export const MAX_LINE_BYTES = 16 * 1024;

/** A heartbeat with the event-loop delay over the last beat or two, ms. */
export function watchdogLine(loopDelayMs: number, loopDelayMaxMs: number): string {
  return `${WATCHDOG} LOOP_DELAY_MS=${loopDelayMs.toFixed(1)} LOOP_DELAY_MAX_MS=${loopDelayMaxMs.toFixed(1)}`;
}

export function metricsLine(report: MetricsReport): string {
  return METRICS_PREFIX + JSON.stringify(report);
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'stopping' }
  | { kind: 'watchdog'; loopDelayMs: number; loopDelayMaxMs: number }
  /** `report` is undefined for a malformed one. */
  | { kind: 'metrics'; report: MetricsReport | undefined }
  | { kind: 'status'; text: string };

/** A field of a heartbeat line, in ms; 0 when absent (a plain WATCHDOG=1 carries none). */
function field(line: string, key: string): number {
  const at = line.indexOf(` ${key}=`);
  if (at < 0) return 0;
  const n = parseFloat(line.slice(at + key.length + 2));
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** A line a worker sent up the pipe (trimmed), or undefined for one this supervisor does not know. */
export function parseWorkerLine(line: string): WorkerMessage | undefined {
  if (line === READY) return { kind: 'ready' };
  if (line === STOPPING) return { kind: 'stopping' };
  if (line.startsWith(METRICS_PREFIX)) return { kind: 'metrics', report: parseReport(line.slice(METRICS_PREFIX.length)) };
  if (line.startsWith(STATUS_PREFIX)) return { kind: 'status', text: line.slice(STATUS_PREFIX.length) };
  if (line === WATCHDOG || line.startsWith(`${WATCHDOG} `)) {
    return { kind: 'watchdog', loopDelayMs: field(line, 'LOOP_DELAY_MS'), loopDelayMaxMs: field(line, 'LOOP_DELAY_MAX_MS') };
  }
  return undefined;
}

export type SupervisorMessage = typeof LAMEDUCK;

/** A line the supervisor sent down the pipe (trimmed), or undefined for one this worker does not know. */
export function parseSupervisorLine(line: string): SupervisorMessage | undefined {
  return line === LAMEDUCK ? LAMEDUCK : undefined;
}

/**
 * Splits a byte stream into trimmed lines, holding at most `maxBytes` of an unfinished line (in
 * one buffer, appended to, never re-joined). A longer line is dropped: `onDrop` is called once,
 * as soon as it passes the limit, and what follows up to its newline is discarded.
 */
export class LineReader {
  private buf?: Buffer;
  private held = 0;
  private dropping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onDrop: (bytes: number) => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.end(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  private hold(piece: Buffer): void {
    if (this.dropping) return;
    if (this.held + piece.length > this.maxBytes) return this.drop(this.held + piece.length);
    this.buf ??= Buffer.allocUnsafe(this.maxBytes);
    piece.copy(this.buf, this.held);
    this.held += piece.length;
  }

  private end(piece: Buffer): void {
    if (this.dropping) {
      this.dropping = false;
      return;
    }
    if (this.held + piece.length > this.maxBytes) {
      this.drop(this.held + piece.length);
      this.dropping = false;
      return;
    }
    let line: string;
    if (this.held === 0) line = piece.toString();
    else {
      piece.copy(this.buf!, this.held);
      line = this.buf!.toString('utf8', 0, this.held + piece.length);
      this.held = 0;
    }
    this.onLine(line.trim());
  }

  private drop(bytes: number): void {
    this.held = 0;
    this.dropping = true;
    this.onDrop(bytes);
  }
}
