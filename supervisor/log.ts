// One log line per event on stderr: time, level, message. Workers' own output is separate.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = ORDER.info;

export function setLogLevel(level: string): boolean {
  const l = level.toLowerCase() === 'warning' ? 'warn' : (level.toLowerCase() as LogLevel);
  if (!(l in ORDER)) return false;
  threshold = ORDER[l];
  return true;
}

function write(level: LogLevel, msg: string): void {
  if (ORDER[level] < threshold) return;
  process.stderr.write(`${new Date().toISOString()} circus-supervisor[${process.pid}] ${level.toUpperCase()} ${msg}\n`);
}

export const log = {
  debug: (m: string) => write('debug', m),
  info: (m: string) => write('info', m),
  warn: (m: string) => write('warn', m),
  error: (m: string) => write('error', m),
};
