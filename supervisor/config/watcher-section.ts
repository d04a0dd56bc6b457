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
  warnMissingApps(s, v.cmd!, v.args, workingDir === undefined ? process.cwd() : path.resolve(path.dirname(s.s.file), workingDir), warnings);
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
    const file = path.resolve(path.dirname(s.s.file), filename);
    // Refused rather than created: a folder that is missing is more often a typo than a wish.
    if (!isDirectory(path.dirname(file))) throw configError('EBADVALUE', s.where(`${prefix}.filename`), `the folder ${path.dirname(file)} does not exist (create it, or name a file in an existing folder)`);
    const unwritable = streamFileProblem(file);
    if (unwritable) throw configError('EBADVALUE', s.where(`${prefix}.filename`), `${file} ${unwritable}`);
    return { kind: 'file', filename: file, ...base };
  }
  throw configError('EBADVALUE', s.where(`${prefix}.class`), `unknown stream class "${cls}" (FileStream, WatchedFileStream, TimedRotatingFileStream, StdoutStream, FancyStdoutStream)`);
}

const APP_FILE = /^[^-$][^$]*\.(?:js|mjs|cjs|ts|mts|cts|tsx|jsx)(?::[A-Za-z_$][\w$]*)?$/;

/**
 * An app file named in cmd or args that does not exist: the workers would exit at start while
 * clients wait in the socket's backlog, so --check and the start say so.
 */
function warnMissingApps(s: Section, cmd: string, args: string | undefined, cwd: string, warnings: string[]): void {
  for (const key of ['cmd', 'args'] as const) {
    const words = splitCommand((key === 'cmd' ? cmd : args) ?? '');
    for (const word of words.slice(key === 'cmd' ? 1 : 0).filter((w) => APP_FILE.test(w))) {
      const file = path.resolve(cwd, word.replace(/:[A-Za-z_$][\w$]*$/, ''));
      if (fs.existsSync(file)) continue;
      const w = s.where(key);
      warnings.push(`${w.file}${w.line ? `:${w.line}` : ''} [${w.section}] ${key}: app file ${file} does not exist; its processes will fail to start`);
    }
  }
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

/** Why the supervisor could not append to `file`, found before any socket is bound. */
function streamFileProblem(file: string): string | undefined {
  const existing = fs.existsSync(file);
  // A device is fine (/dev/null, /dev/full in the fault tests); a folder never is.
  if (existing && fs.statSync(file).isDirectory()) return 'is a folder';
  try {
    fs.accessSync(existing ? file : path.dirname(file), fs.constants.W_OK);
  } catch {
    return existing ? 'is not writable by the supervisor' : 'cannot be created: its folder is not writable by the supervisor';
  }
  return undefined;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
