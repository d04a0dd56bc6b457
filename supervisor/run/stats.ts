// Per-process figures from /proc: CPU % since the caller's previous sample, RSS, age. Each caller
// (a control connection) keeps its own CpuBaseline, so two clients asking for stats do not
// shorten each other's interval; a caller's first sample of a process covers its whole life.
import fs from 'node:fs';
import os from 'node:os';
import type { ProcessStats, ProcStats } from '../answers.js';
import type { Proc } from './process.js';

const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;
/** Processes one baseline remembers at most (a long-lived connection outlives many pids). */
const MAX_REMEMBERED = 10_000;

const bootTime = Date.now() - os.uptime() * 1000;

function readStat(pid: number): { ticks: number; startedAt: number; rss: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(f[11]) + Number(f[12]), startedAt: bootTime + (Number(f[19]) / TICKS) * 1000, rss: Number(f[21]) * PAGE };
  } catch {
    return undefined;
  }
}

/** One caller's previous sample of each process it asked about. */
export class CpuBaseline {
  private readonly previous = new Map<number, { ticks: number; at: number; startedAt: number }>();

  procStats(pid: number, now = Date.now()): ProcStats | undefined {
    const s = readStat(pid);
    if (!s) {
      this.previous.delete(pid);
      return undefined;
    }
    const seen = this.previous.get(pid);
    // A pid used again by a newer process starts from that process's start.
    const prev = seen && seen.startedAt === s.startedAt ? seen : { ticks: 0, at: s.startedAt };
    this.previous.delete(pid);
    this.previous.set(pid, { ticks: s.ticks, at: now, startedAt: s.startedAt });
    if (this.previous.size > MAX_REMEMBERED) this.previous.delete(this.previous.keys().next().value!);
    const elapsed = Math.max(1, now - prev.at) / 1000;
    const cpu = Math.round(((s.ticks - prev.ticks) / TICKS / elapsed) * 1000) / 10;
    return { pid, cpu, mem_info1: s.rss, rss: s.rss, age: Math.round((now - s.startedAt) / 100) / 10 };
  }

  /** One line of `circus-ctl stats`: /proc figures, slot and state, and the last heartbeat's age and event-loop delay. */
  processStats(p: Proc, now = Date.now()): ProcessStats | undefined {
    const s = this.procStats(p.pid, now);
    if (!s) return undefined;
    const beat = p.heartbeat;
    const heartbeat = beat ? { heartbeat_age: Math.round((now - beat.at) / 100) / 10, loop_delay_ms: beat.loopDelayMs, loop_delay_max_ms: beat.loopDelayMaxMs } : {};
    const sockets = p.spec.sockets.map((k) => ({ name: k.name, inode: k.inode, per_worker: Boolean(k.slot) }));
    return { ...s, wid: p.spec.wid, state: p.state, sockets, ...heartbeat };
  }
}
