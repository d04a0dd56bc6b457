// Errors with a stable `code` and the process exit code the CLI maps them to (the codes:
// error-codes.ts).
import { CodedError } from '../sys/coded-error.js';

/** Exit codes of circus-supervisor (documented in the README). */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  CONFIG: 2,
  SOCKET: 3,
  ENDPOINT: 4,
  FORCED: 5,
} as const;

export class SupervisorError extends CodedError {
  constructor(
    code: string,
    message: string,
    readonly exitCode: number = EXIT.INTERNAL,
  ) {
    super(code, message);
  }
}

/** A bad INI file: the message names the file, the [section] and the key. */
export class ConfigError extends SupervisorError {
  constructor(code: string, message: string) {
    super(code, message, EXIT.CONFIG);
  }
}

export function configError(code: string, where: { file: string; section?: string; key?: string; line?: number }, what: string): ConfigError {
  const parts = [where.file + (where.line ? `:${where.line}` : '')];
  if (where.section) parts.push(`[${where.section}]`);
  if (where.key) parts.push(where.key);
  return new ConfigError(code, `${parts.join(' ')}: ${what}`);
}

/** A command on the control endpoint that cannot be done; answered as {status: "error"}. */
export class CommandError extends SupervisorError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
