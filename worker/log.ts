// Worker logging: one line per event on stderr, prefixed so interleaved workers stay readable.
// The access log (opt-in) goes to stdout so it can be routed separately (Circus stdout_stream).

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

export interface Logger {
  error(msg: string, err?: unknown): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  access(line: AccessRecord): void;
}

export interface AccessRecord {
  method: string;
  url: string;
  status: number;
  ms: number;
  /** WebSocket close lines: message payload bytes received and sent over the connection's life. */
  bytesIn?: number;
  bytesOut?: number;
}

/** The first non-empty line of an error's message: how a caught error is quoted in a one-line message. */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim())?.trim() ?? msg;
}

/**
 * For what every worker of a watcher would say alike (the backend it fell back to, and why): under
 * circus-supervisor (CIRCUS_WID set) worker 1 says it at `level` and the others at debug, so N
 * workers print it once; alone, the worker says it.
 */
export function onceAcrossWorkers(log: Logger, level: 'warn' | 'info', env: NodeJS.ProcessEnv = process.env): (msg: string) => void {
  const wid = env.CIRCUS_WID;
  return !wid || wid === '1' ? log[level] : log.debug;
}

export function createLogger(level: LogLevel, accessLog: boolean): Logger {
  const max = ORDER[level];
  const prefix = `circus-worker[${process.pid}]`;
  const write = (lvl: LogLevel, msg: string) => {
    if (ORDER[lvl] <= max) process.stderr.write(`${prefix} ${lvl}: ${msg}\n`);
  };
  return {
    error: (msg, err) => {
      const detail = err instanceof Error ? `\n${err.stack ?? err.message}` : err !== undefined ? ` ${String(err)}` : '';
      write('error', msg + detail);
    },
    warn: (msg) => write('warn', msg),
    info: (msg) => write('info', msg),
    debug: (msg) => write('debug', msg),
    access: accessLog
      ? (r) => process.stdout.write(`${new Date().toISOString()} ${process.pid} "${r.method} ${r.url}" ${r.status} ${r.ms.toFixed(1)}ms${r.bytesIn === undefined ? '' : ` in=${r.bytesIn} out=${r.bytesOut ?? 0}`}\n`)
      : () => {},
  };
}
