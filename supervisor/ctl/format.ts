// Human-readable rendering of control answers (circus-ctl without --json), one formatter per
// command, each typed from the answer the daemon builds (answers.ts).
import type { Answers, Command, ProcessStats, Reply } from '../answers.js';

export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function kv(obj: Record<string, unknown>): string {
  return table(['option', 'value'], Object.entries(obj).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v]));
}

function mb(bytes: unknown): string {
  return `${(Number(bytes) / 1048576).toFixed(1)} MB`;
}

function statRows(watcher: string, info: Record<string, ProcessStats>): unknown[][] {
  return Object.values(info).map((p) => [
    watcher, p.pid, p.wid, p.state, `${p.cpu}%`, mb(p.rss), `${p.age}s`,
    p.heartbeat_age === undefined ? undefined : `${p.heartbeat_age}s`,
    p.loop_delay_ms === undefined ? undefined : `${p.loop_delay_ms}/${p.loop_delay_max_ms} ms`,
    (p.sockets ?? []).map((s) => `${s.name}:${s.inode}`).join(',') || undefined,
  ]);
}

const STATS_HEADER = ['watcher', 'pid', 'wid', 'state', 'cpu', 'rss', 'age', 'heartbeat', 'loop delay mean/max', 'sockets (inode)'];
const count = (r: { numprocesses: number }) => String(r.numprocesses);
const options = (r: { options: Record<string, unknown> }) => kv(r.options);

/** Commands without a formatter print "ok". */
const FORMAT: { [K in Command]?: (r: Answers[K]) => string } = {
  status: (r) => {
    if (!('statuses' in r)) return r.backend ? `${r.status}  ${r.backend}` : r.status;
    const { statuses, backends } = r;
    if (!backends) return table(['watcher', 'status'], Object.entries(statuses));
    return table(['watcher', 'status', 'backend'], Object.entries(statuses).map(([w, s]) => [w, s, backends[w]]));
  },
  list: (r) => ('watchers' in r ? r.watchers.join('\n') : table(['pid', 'wid', 'state', 'age'], r.processes.map((p) => [p.pid, p.wid, p.state, `${p.age.toFixed(1)}s`]))),
  listsockets: (r) =>
    table(['name', 'address', 'fd', 'backlog', 'inode', 'worker sockets (watcher/wid: inode)'], r.sockets.map((s) => [
      s.name, s.address, s.fd, s.backlog, s.inode, s.per_worker ? s.per_worker.map((w) => `${w.watcher}/${w.wid}: ${w.inode}`).join(', ') || 'none yet' : 'shared',
    ])),
  incr: count,
  decr: count,
  numprocesses: count,
  numwatchers: (r) => String(r.numwatchers),
  get: options,
  options,
  signal: (r) => `ok (signalled ${r.pids.join(', ') || 'no process'})`,
  reloadconfig: (r) => ['ok', ...(r.changes ?? []).map((c) => `  ${c}`)].join('\n'),
  metrics: (r) => ('text' in r ? String(r.text ?? '').trimEnd() : ''),
  stats: (r) => table(STATS_HEADER, 'infos' in r ? Object.entries(r.infos).flatMap(([w, info]) => statRows(w, info)) : statRows(String(r.name), r.info)),
  dstats: ({ info: i }) => kv({ pid: i.pid, cpu: `${i.cpu}%`, rss: mb(i.rss), uptime: `${i.uptime}s`, children: i.children }),
};

/** `r` is a successful answer to `command`, as the daemon built it for that command. */
export function formatReply(command: string, r: Reply): string {
  const format = Object.hasOwn(FORMAT, command) ? (FORMAT[command as Command] as (r: Reply) => string) : undefined;
  return format ? format(r) : 'ok';
}
