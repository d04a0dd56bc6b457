// Human-readable rendering of control answers (circus-ctl without --json).
import type { Reply } from './client.js';

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

function statRows(watcher: string, info: Record<string, any>): unknown[][] {
  return Object.values(info).map((p) => [
    watcher, p.pid, p.wid, p.state, `${p.cpu}%`, mb(p.rss), `${p.age}s`,
    p.heartbeat_age === undefined ? undefined : `${p.heartbeat_age}s`,
    p.loop_delay_ms === undefined ? undefined : `${p.loop_delay_ms}/${p.loop_delay_max_ms} ms`,
    (p.sockets ?? []).map((s: any) => `${s.name}:${s.inode}`).join(',') || undefined,
  ]);
}

export function formatReply(command: string, r: Reply): string {
  switch (command) {
    case 'status':
      if (!r.statuses) return r.backend ? `${String(r.status)}  ${String(r.backend)}` : String(r.status);
      if (!r.backends) return table(['watcher', 'status'], Object.entries(r.statuses as object));
      return table(['watcher', 'status', 'backend'], Object.entries(r.statuses as object).map(([w, s]) => [w, s, (r.backends as Record<string, string>)[w]]));
    case 'list':
      return r.watchers ? (r.watchers as string[]).join('\n') : table(['pid', 'wid', 'state', 'age'], (r.processes as any[]).map((p) => [p.pid, p.wid, p.state, `${p.age.toFixed(1)}s`]));
    case 'listsockets':
      return table(['name', 'address', 'fd', 'backlog', 'inode', 'worker sockets (watcher/wid: inode)'], (r.sockets as any[]).map((s) => [
        s.name, s.address, s.fd, s.backlog, s.inode, s.per_worker ? s.per_worker.map((w: any) => `${w.watcher}/${w.wid}: ${w.inode}`).join(', ') || 'none yet' : 'shared',
      ]));
    case 'incr':
    case 'decr':
    case 'numprocesses':
      return String(r.numprocesses);
    case 'numwatchers':
      return String(r.numwatchers);
    case 'get':
    case 'options':
      return kv(r.options as Record<string, unknown>);
    case 'signal':
      return `ok (signalled ${(r.pids as number[]).join(', ') || 'no process'})`;
    case 'reloadconfig':
      return ['ok', ...((r.changes as string[]) ?? []).map((c) => `  ${c}`)].join('\n');
    case 'metrics':
      return String(r.text ?? '').trimEnd();
    case 'stats': {
      const header = ['watcher', 'pid', 'wid', 'state', 'cpu', 'rss', 'age', 'heartbeat', 'loop delay mean/max', 'sockets (inode)'];
      if (r.infos) return table(header, Object.entries(r.infos as Record<string, any>).flatMap(([w, info]) => statRows(w, info)));
      return table(header, statRows(String(r.name), r.info as Record<string, any>));
    }
    case 'dstats': {
      const i = r.info as Record<string, any>;
      return kv({ pid: i.pid, cpu: `${i.cpu}%`, rss: mb(i.rss), uptime: `${i.uptime}s`, children: i.children });
    }
    default:
      return 'ok';
  }
}
