// Per-process figures from /proc: CPU % since the previous sample, RSS, age.
import fs from 'node:fs';
import os from 'node:os';
import type { Proc } from './process.js';

const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

export interface ProcStats {
  pid: number;
  cpu: number;
  mem_info1: number;
  rss: number;
  age: number;
}

const previous = new Map<number, { ticks: number; at: number }>();
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

export function procStats(pid: number, now = Date.now()): ProcStats | undefined {
  const s = readStat(pid);
  if (!s) return undefined;
  const prev = previous.get(pid) ?? { ticks: 0, at: s.startedAt };
  previous.set(pid, { ticks: s.ticks, at: now });
  const elapsed = Math.max(1, now - prev.at) / 1000;
  const cpu = Math.round(((s.ticks - prev.ticks) / TICKS / elapsed) * 1000) / 10;
  return { pid, cpu, mem_info1: s.rss, rss: s.rss, age: Math.round((now - s.startedAt) / 100) / 10 };
}

export function forget(pid: number): void {
  previous.delete(pid);
}

/** One line of `circus-ctl stats`: /proc figures, slot and state, and the last heartbeat's age and event-loop delay. */
export function processStats(p: Proc, now = Date.now()): Record<string, unknown> | undefined {
  const s = procStats(p.pid, now);
  if (!s) return undefined;
  const beat = p.heartbeat;
  const heartbeat = beat ? { heartbeat_age: Math.round((now - beat.at) / 100) / 10, loop_delay_ms: beat.loopDelayMs, loop_delay_max_ms: beat.loopDelayMaxMs } : {};
  const sockets = p.spec.sockets.map((k) => ({ name: k.name, inode: k.inode, per_worker: Boolean(k.slot) }));
  return { ...s, wid: p.spec.wid, state: p.state, sockets, ...heartbeat };
}
