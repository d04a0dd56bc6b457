// [watcher:NAME] → WatcherConfig: the option table's values plus what needs more than a parser
// (command syntax, user and group, working directory, env list, output streams).
import fs from 'node:fs';
import path from 'node:path';
import type { CircusConfig, FlappingConfig, StreamConfig, WatcherConfig } from './types.js';
import { expandEnv, IGNORED, type Section } from './section.js';
import { configError } from '../errors.js';
import { WATCHER_OPTIONS } from './options.js';
import { splitCommand } from './substitute.js';
import { lookupGroup, lookupUser } from './users.js';
import type { Where } from './values.js';

export function readWatcher(s: Section, name: string, cfg: CircusConfig, flap: FlappingConfig, env: NodeJS.ProcessEnv, warnings: string[]): WatcherConfig {
  s.check(WATCHER_OPTIONS, IGNORED.watcher, warnings);
  const v = s.values(WATCHER_OPTIONS, {
    warmup_delay: cfg.warmupDelay,
    max_retry: flap.maxRetry,
    'flapping.attempts': flap.attempts,
    'flapping.window': flap.window,
    'flapping.retry_in': flap.retryIn,
  }, { env, except: ['cmd', 'args', 'env'] });
  const cmd = v.cmd;
  if (cmd === undefined || !cmd.trim()) throw configError('EMISSINGKEY', s.where('cmd'), 'every watcher needs a cmd');
  for (const key of ['cmd', 'args'] as const) {
    try {
      splitCommand(v[key] ?? '');
    } catch (err) {
      throw configError('EBADVALUE', s.where(key), (err as Error).message);
    }
  }
  if (v.singleton && v.numprocesses! > 1) throw configError('EBADVALUE', s.where('numprocesses'), 'a singleton watcher runs at most 1 process');
  const { uid, gid } = readIds(s, v.uid, v.gid);
  const workingDir = v.working_dir;
  if (workingDir !== undefined && !isDirectory(path.resolve(path.dirname(s.s.file), workingDir))) {
    throw configError('EBADVALUE', s.where('working_dir'), `${workingDir} is not a directory`);
  }
  return {
    name,
    file: s.s.file,
    cmd: cmd.trim(),
    args: (v.args ?? '').trim(),
    shell: v.shell!,
    numprocesses: v.numprocesses!,
    useSockets: v.use_sockets!,
    sockets: [],
    warmupDelay: v.warmup_delay!,
    workingDir: workingDir === undefined ? undefined : path.resolve(path.dirname(s.s.file), workingDir),
    copyEnv: v.copy_env!,
    copyPath: v.copy_path!,
    env: v.env ? parseEnvList(v.env, s.where('env'), env) : {},
    uid,
    gid,
    stopSignal: v.stop_signal!,
    gracefulTimeout: v.graceful_timeout!,
    respawn: v.respawn!,
    maxAge: v.max_age!,
    maxAgeVariance: v.max_age_variance!,
    singleton: v.singleton!,
    autostart: v.autostart!,
    priority: v.priority!,
    closeStdin: v.close_child_stdin!,
    stdout: readStream(s, 'stdout_stream', v['stdout_stream.class'], v['stdout_stream.filename'], v['stdout_stream.max_bytes']!, v['stdout_stream.backup_count']!, v.close_child_stdout!),
    stderr: readStream(s, 'stderr_stream', v['stderr_stream.class'], v['stderr_stream.filename'], v['stderr_stream.max_bytes']!, v['stderr_stream.backup_count']!, v.close_child_stderr!),
    notify: v.notify!,
    readyTimeout: v.ready_timeout!,
    timeout: v.timeout!,
    flapping: {
      attempts: v['flapping.attempts']!,
      window: v['flapping.window']!,
      retryIn: v['flapping.retry_in']!,
      maxRetry: v['flapping.max_retry'] ?? v.max_retry!,
    },
  };
}

function readIds(s: Section, uidRaw: string | undefined, gidRaw: string | undefined): { uid?: number; gid?: number } {
  let uid: number | undefined;
  let gid: number | undefined;
  if (uidRaw) {
    const u = lookupUser(uidRaw);
    if (!u) throw configError('EBADUSER', s.where('uid'), `no such user "${uidRaw}" in /etc/passwd`);
    uid = u.uid;
    gid = u.gid;
  }
  if (gidRaw) {
    gid = lookupGroup(gidRaw);
    if (gid === undefined) throw configError('EBADGROUP', s.where('gid'), `no such group "${gidRaw}" in /etc/group`);
  }
  const me = process.getuid?.() ?? 0;
  if (me !== 0 && ((uid !== undefined && uid !== me) || (gid !== undefined && gid !== process.getgid?.()))) {
    throw configError('EPERM', s.where(uid !== undefined ? 'uid' : 'gid'), 'switching user or group needs circus-supervisor to run as root');
  }
  return { uid, gid };
}

function readStream(s: Section, prefix: string, cls: string | undefined, filename: string | undefined, maxBytes: number, backupCount: number, closed: boolean): StreamConfig {
  const base = { maxBytes, backupCount };
  if (closed) return { kind: 'null', ...base };
  if (cls === undefined) {
    if (filename !== undefined) throw configError('EMISSINGKEY', s.where(`${prefix}.class`), `${prefix}.filename is set but ${prefix}.class is not (use FileStream)`);
    return { kind: 'inherit', ...base };
  }
  const short = cls.replace(/^circus\.stream\./, '');
  if (short === 'StdoutStream') return { kind: 'stdout', ...base };
  if (short === 'FancyStdoutStream') return { kind: 'fancy', ...base };
  if (['FileStream', 'WatchedFileStream', 'TimedRotatingFileStream'].includes(short)) {
    if (!filename) throw configError('EMISSINGKEY', s.where(`${prefix}.filename`), `${short} needs ${prefix}.filename`);
    return { kind: 'file', filename: path.resolve(path.dirname(s.s.file), filename), ...base };
  }
  throw configError('EBADVALUE', s.where(`${prefix}.class`), `unknown stream class "${cls}" (FileStream, WatchedFileStream, TimedRotatingFileStream, StdoutStream, FancyStdoutStream)`);
}

/** Circus's env option: "KEY=value, KEY2=value2". */
function parseEnvList(raw: string, w: Where, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw configError('EBADVALUE', w, `expected KEY=value pairs separated by commas, got "${part}"`);
    out[part.slice(0, eq).trim()] = expandEnv(part.slice(eq + 1).trim(), env);
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
