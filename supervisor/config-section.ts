// One INI section being read: values through the option tables, unknown keys refused, Circus
// keys that mean nothing here accepted with a warning.
import type { IniSection } from './ini-file.js';
import { configError } from './errors.js';
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
  /** Every option of `table`, parsed, or its fallback (`fallbacks` first) when absent. */
  values<T extends OptionTable>(table: T, fallbacks: Partial<Values<T>> = {}): Values<T> {
    const out: Record<string, unknown> = {};
    for (const [key, o] of Object.entries(table)) {
      const raw = this.raw(key);
      out[key] = raw !== undefined ? o.parse(raw, this.where(key)) : Object.hasOwn(fallbacks, key) ? fallbacks[key as keyof T] : o.fallback;
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

/** $(circus.env.VAR) in values read before any process exists. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return substitute(text, { sockets: new Map(), wid: 0, env });
}
