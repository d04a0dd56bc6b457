// circus-supervisor running circus-worker on the chaos fixtures: INI text for each scenario.
import { startSupervisor, tempDir, type Running } from '../../helpers/supervisor.js';
import { chaosApp, type BackendName } from '../worker-matrix.js';
import { UWS_MODULE_FLAG } from '../../helpers/uws-available.js';

export interface WebWatcher {
  backend: BackendName;
  processes: number;
  /** Extra watcher lines (flapping, streams …). */
  extra?: string;
  workerArgs?: string;
  /** so_reuseport = true on every socket: one listening socket per worker slot. */
  reuseport?: boolean;
}

export function webWatcher(name: string, w: WebWatcher, socket = 'web'): string {
  return `[watcher:${name}]
cmd = circus-worker --fd $(circus.sockets.${socket}) --backend ${w.backend} ${UWS_MODULE_FLAG} --log-level warn ${w.workerArgs ?? ''} ${chaosApp('fetch')}
use_sockets = True
numprocesses = ${w.processes}
graceful_timeout = 10
${w.extra ?? ''}
`;
}

export function header(dir: string, sockets = ['web'], reuseport = false): string {
  const extra = reuseport ? 'so_reuseport = true\n' : '';
  return `[circus]\nendpoint = unix://${dir}/ctl.sock\n\n` + sockets.map((s) => `[socket:${s}]\nhost = 127.0.0.1\nport = 0\n${extra}\n`).join('');
}

export async function superviseWeb(w: WebWatcher, more = '', sockets = ['web']): Promise<Running> {
  const dir = tempDir();
  return startSupervisor(header(dir, sockets, w.reuseport) + webWatcher('web', w) + more, { dir });
}

/** Runs `fn` at t0 + everyMs, t0 + 2·everyMs … until `durationMs` (bounded; never overlapping: a late
 * tick runs as soon as the previous one finished). Returns how many ran. */
export async function every(everyMs: number, durationMs: number, fn: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  let i = 0;
  while (t0 + (i + 1) * everyMs <= t0 + durationMs) {
    const wait = t0 + (i + 1) * everyMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await fn(i++);
  }
  return i;
}
