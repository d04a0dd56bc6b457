// One INI section being read: values through the option tables, unknown keys refused, Circus
// keys that mean nothing here accepted with a warning.
import type { IniSection } from './ini-file.js';
import { ConfigError, configError } from '../errors.js';
import type { OptionTable, Values } from './options.js';
import { substitute } from './substitute.js';
import type { Where } from './values.js';

/** Accepted for compatibility, no effect here (each logged once as a warning). */
export const IGNORED = {
  circus: ['logoutput', 'loggerconfig', 'debug', 'debug_gc', 'statsd', 'stats_close_outputs', 'multicast_endpoint', 'httpd', 'httpd_host', 'httpd_port', 'httpd_close_outputs', 'papa_endpoint', 'endpoint_owner', 'fqdn_prefix', 'umask_inherit'],
  watcher: ['stop_children', 'virtualenv', 'virtualenv_py_ver', 'on_demand', 'use_papa', 'stdin_socket', 'shell_args', 'send_hup', 'umask', 'rlimit_*', 'hooks.*', 'stdout_stream.time_format', 'stderr_stream.time_format', 'stdout_stream.refresh_time', 'stderr_stream.refresh_time', 'stdout_stream.when', 'stderr_stream.when', 'stdout_stream.interval', 'stderr_stream.interval', 'stdout_stream.utc', 'stderr_stream.utc', 'stdout_stream.color', 'stderr_stream.color'],
  socket: ['proto', 'so_reuseaddr'],
};

export class Section {
  constructor(readonly s: IniSection) {}
  where(key: string): Where {
    return { file: this.s.file, section: this.s.name, key, line: this.s.entries.get(key)?.line };
  }
  raw(key: string): string | undefined {
    return this.s.entries.get(key)?.value;
  }
  /**
   * Every option of `table`, parsed, or its fallback (`fallbacks` first) when absent. With
   * `expand`, $(circus.env.VAR) is replaced first in every value but the `except` keys (as Circus
   * does for all options; cmd, args and env are substituted per process instead).
   */
  values<T extends OptionTable>(table: T, fallbacks: Partial<Values<T>> = {}, expand?: { env: NodeJS.ProcessEnv; except: string[] }): Values<T> {
    const out: Record<string, unknown> = {};
    for (const [key, o] of Object.entries(table)) {
      const raw = this.raw(key);
      if (raw === undefined) out[key] = Object.hasOwn(fallbacks, key) ? fallbacks[key as keyof T] : o.fallback;
      else if (!expand || expand.except.includes(key) || !/\$\(\s*circus\.env\./i.test(raw)) out[key] = o.parse(raw, this.where(key));
      else out[key] = parseExpanded(raw, expandEnv(raw, expand.env), (v) => o.parse(v, this.where(key)));
    }
    return out as Values<T>;
  }
  /** Unknown keys are errors, ignored-but-accepted ones are warnings. */
  check(table: OptionTable, ignored: string[], warnings: string[]): void {
    const known = Object.keys(table);
    for (const key of this.s.entries.keys()) {
      if (known.includes(key)) continue;
      const w = this.where(key);
      if (ignored.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : p === key))) {
        warnings.push(`${w.file} [${w.section}] ${key}: accepted for Circus compatibility, has no effect here`);
        continue;
      }
      throw configError('EUNKNOWNKEY', w, `unknown option (known: ${known.join(', ')})`);
    }
  }
}

/** A value that does not parse after expansion says what it was expanded from. */
function parseExpanded<T>(raw: string, expanded: string, parse: (v: string) => T): T {
  try {
    return parse(expanded);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.code, `${err.message} (expanded from "${raw.trim()}")`);
    throw err;
  }
}

/** $(circus.env.VAR) in values read before any process exists. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return substitute(text, { sockets: new Map(), wid: 0, env });
}
