// The shapes of the control endpoint's answers, shared by the daemon that builds them
// (control/commands.ts) and circus-ctl that prints them (ctl/), so neither reads the other's code.
import type { MetricsReport } from '../sys/metrics-report.js';

/** Every answer: 'ok' or 'error' (with reason and errno), except `status NAME`, which answers the watcher's state as Circus does. */
export interface Reply {
  status: string;
  reason?: string;
  errno?: string;
  [key: string]: unknown;
}

/** One process of `list NAME`. */
export interface ProcessListing {
  pid: number;
  wid: number;
  state: string;
  /** Seconds since it started. */
  age: number;
}

/** One socket of `listsockets`. */
export interface SocketListing {
  name: string;
  fd: number;
  family: string;
  path?: string;
  host?: string;
  port?: number;
  address: string;
  backlog: number;
  inode: number;
  /** Sockets with one listener per worker slot (reuseport): the slots' own sockets. */
  per_worker?: { watcher: string; wid: number; fd: number; inode: number }[];
}

/** /proc figures of one process: CPU % since the caller's previous sample, RSS, age in seconds. */
export interface ProcStats {
  pid: number;
  cpu: number;
  mem_info1: number;
  rss: number;
  age: number;
}

/** One process of `stats`: its /proc figures, slot, state, sockets and last heartbeat. */
export interface ProcessStats extends ProcStats {
  wid: number;
  state: string;
  sockets: { name: string; inode: number; per_worker: boolean }[];
  heartbeat_age?: number;
  loop_delay_ms?: number;
  loop_delay_max_ms?: number;
}

/** `dstats`: the supervisor's own figures (the /proc ones are missing if /proc cannot be read). */
export interface SupervisorStats extends Partial<ProcStats> {
  children: number;
  uptime: number;
}

/** One process in the `metrics` answer (circus-ctl top turns successive ones into rates). */
export interface WorkerSample {
  watcher: string;
  pid: number;
  wid: number;
  state: string;
  /** When the report arrived (ms since the epoch); 0 and no report for commands that send none. */
  at: number;
  report: MetricsReport | null;
}

type Empty = Record<string, never>;

/** Each command's answer, without the status, id and time every answer carries. */
export interface Answers {
  /** `backend`/`backends`: what circus-worker processes serve with (`backend=uws build=…`), where they said. */
  status: { status: string; backend?: string } | { statuses: Record<string, string>; backends?: Record<string, string> };
  list: { pids: number[]; processes: ProcessListing[] } | { watchers: string[] };
  listsockets: { sockets: SocketListing[] };
  start: Empty;
  stop: Empty;
  restart: Empty;
  reload: Empty;
  reloadconfig: { changes: string[] };
  incr: { numprocesses: number };
  decr: { numprocesses: number };
  numprocesses: { numprocesses: number };
  numwatchers: { numwatchers: number };
  get: { options: Record<string, unknown> };
  set: Empty;
  options: { options: Record<string, unknown> };
  signal: { pids: number[] };
  stats: { name: string; info: Record<string, ProcessStats> } | { infos: Record<string, Record<string, ProcessStats>> };
  metrics: { text: string } | { now: number; workers: WorkerSample[] };
  dstats: { info: SupervisorStats };
  quit: Empty;
}

export type Command = keyof Answers;
