// Circus INI → validated CircusConfig. Every error names file, [section] and key; nothing starts
// half-configured. Options Circus accepts that mean nothing here are kept as warnings.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { configError } from './errors.js';
import { DEFAULT_ENDPOINT, isLoopback, parseEndpoint } from './endpoint.js';
import { expandIncludes } from './include.js';
import { readIniFile, type IniSection } from './ini-file.js';
import { socketsIn, splitCommand, substitute, variablesIn } from './substitute.js';
import { lookupGroup, lookupUser } from './users.js';
import { toBool, toInt, toOctal, toSeconds, toSignal, type Where } from './values.js';
import type { CircusConfig, FlappingConfig, SocketConfig, StreamConfig, WatcherConfig } from './config-types.js';

/** Most processes one watcher may run, from the config or incr/set (a typo must not fork-bomb the host). */
export const MAX_PROCESSES = 10000;

export type { CircusConfig, SocketConfig, WatcherConfig, StreamConfig } from './config-types.js';

/** Accepted for compatibility, no effect here (each logged once as a warning). */
const IGNORED = {
  circus: ['logoutput', 'loggerconfig', 'debug', 'debug_gc', 'statsd', 'stats_close_outputs', 'multicast_endpoint', 'httpd', 'httpd_host', 'httpd_port', 'httpd_close_outputs', 'papa_endpoint', 'endpoint_owner', 'fqdn_prefix', 'umask_inherit'],
  watcher: ['stop_children', 'virtualenv', 'virtualenv_py_ver', 'on_demand', 'use_papa', 'stdin_socket', 'shell_args', 'send_hup', 'umask', 'rlimit_*', 'hooks.*', 'stdout_stream.time_format', 'stderr_stream.time_format', 'stdout_stream.refresh_time', 'stderr_stream.refresh_time', 'stdout_stream.when', 'stderr_stream.when', 'stdout_stream.interval', 'stderr_stream.interval', 'stdout_stream.utc', 'stderr_stream.utc', 'stdout_stream.color', 'stderr_stream.color'],
  socket: ['proto', 'so_reuseaddr'],
};

const KNOWN = {
  circus: ['check_delay', 'endpoint', 'endpoint_allow_remote', 'pubsub_endpoint', 'stats_endpoint', 'umask', 'include', 'include_dir', 'warmup_delay', 'pidfile', 'loglevel'],
  socket: ['host', 'port', 'family', 'type', 'path', 'umask', 'backlog', 'so_reuseport', 'replace', 'interface', 'blocking'],
  watcher: ['cmd', 'args', 'shell', 'numprocesses', 'use_sockets', 'warmup_delay', 'working_dir', 'copy_env', 'copy_path', 'env', 'uid', 'gid', 'stop_signal', 'graceful_timeout', 'respawn', 'max_retry', 'max_age', 'max_age_variance', 'singleton', 'autostart', 'priority', 'close_child_stdin', 'close_child_stdout', 'close_child_stderr', 'notify', 'ready_timeout', 'flapping.attempts', 'flapping.window', 'flapping.retry_in', 'flapping.max_retry', 'stdout_stream.class', 'stdout_stream.filename', 'stdout_stream.max_bytes', 'stdout_stream.backup_count', 'stderr_stream.class', 'stderr_stream.filename', 'stderr_stream.max_bytes', 'stderr_stream.backup_count'],
  flapping: ['use', 'attempts', 'window', 'retry_in', 'max_retry', 'active'],
};

/** Circus's flapping plugin defaults. */
export const FLAPPING_DEFAULTS: FlappingConfig = { attempts: 2, window: 1, retryIn: 7, maxRetry: 5 };

class Section {
  readonly used = new Set<string>();
  constructor(readonly s: IniSection) {}
  where(key: string): Where {
    return { file: this.s.file, section: this.s.name, key, line: this.s.entries.get(key)?.line };
  }
  raw(key: string): string | undefined {
    const e = this.s.entries.get(key);
    if (e) this.used.add(key);
    return e?.value;
  }
  get<T>(key: string, parse: (raw: string, w: Where) => T, fallback: T): T {
    const v = this.raw(key);
    return v === undefined ? fallback : parse(v, this.where(key));
  }
  /** Unknown keys are errors, ignored-but-accepted ones are warnings. */
  check(known: string[], ignored: string[], warnings: string[]): void {
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

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): CircusConfig {
  const main = path.resolve(file);
  const sections = readIniFile(main);
  const files = [main];
  const circusIni = sections.find((s) => s.name === 'circus');
  const circus = new Section(circusIni ?? { name: 'circus', file: main, line: 0, entries: new Map() });
  const all = [...sections];
  for (const inc of expandIncludes(circus, main)) {
    files.push(inc);
    all.push(...readIniFile(inc));
  }
  return build(main, files, all, circus, env);
}

function build(main: string, files: string[], all: IniSection[], circus: Section, env: NodeJS.ProcessEnv): CircusConfig {
  const warnings: string[] = [];
  const byName = new Map<string, IniSection>();
  for (const s of all) {
    const prev = byName.get(s.name);
    if (prev && prev !== circus.s) {
      throw configError('EDUPSECTION', { file: s.file, section: s.name, line: s.line }, `defined twice (also in ${prev.file}:${prev.line})`);
    }
    byName.set(s.name, s);
  }
  const cfg = readCircus(main, files, circus, env, warnings);
  const flappingSection = all.find((s) => s.name === 'plugin:flapping');
  const flapping = flappingSection ? readFlapping(new Section(flappingSection), warnings) : FLAPPING_DEFAULTS;
  for (const s of all) {
    const [kind, ...rest] = s.name.split(':');
    const name = rest.join(':').trim();
    if (s.name === 'circus') continue;
    if (kind === 'socket') cfg.sockets.set(name, readSocket(new Section(s), name, warnings, env));
    else if (kind === 'plugin' && name !== 'flapping') warnings.push(`${s.file} [${s.name}]: plugins are not supported; section ignored`);
    else if (kind === 'plugin' || kind === 'watcher' || kind === 'env') continue;
    else throw configError('EUNKNOWNSECTION', { file: s.file, section: s.name, line: s.line }, 'unknown section (expected [circus], [socket:NAME], [watcher:NAME], [env:NAME] or [plugin:NAME])');
    if (!name) throw configError('EBADSECTION', { file: s.file, section: s.name, line: s.line }, 'section name is missing after ":"');
  }
  for (const s of all.filter((x) => x.name.startsWith('watcher:'))) {
    const name = s.name.slice('watcher:'.length).trim();
    if (!name) throw configError('EBADSECTION', { file: s.file, section: s.name, line: s.line }, 'watcher name is missing after ":"');
    cfg.watchers.set(name, readWatcher(new Section(s), name, cfg, flapping, env, warnings));
  }
  applyEnvSections(all, cfg, env);
  for (const w of cfg.watchers.values()) resolveSockets(w, byName.get(`watcher:${w.name}`)!, cfg);
  cfg.warnings = warnings;
  return cfg;
}

function readCircus(main: string, files: string[], c: Section, env: NodeJS.ProcessEnv, warnings: string[]): CircusConfig {
  c.raw('include');
  c.raw('include_dir');
  c.check(KNOWN.circus, IGNORED.circus, warnings);
  const endpointRaw = c.raw('endpoint') ?? DEFAULT_ENDPOINT;
  const endpoint = parseEndpoint(expandEnv(endpointRaw, env));
  if (typeof endpoint === 'string') throw configError('EBADVALUE', c.where('endpoint'), endpoint);
  const allowRemote = c.get('endpoint_allow_remote', toBool, false);
  if (endpoint.kind === 'tcp' && !isLoopback(endpoint.host) && !allowRemote) {
    throw configError('EREMOTEENDPOINT', c.where('endpoint'), `${endpoint.url} is not a loopback address; the control endpoint has no authentication, so set endpoint_allow_remote = true to expose it on purpose`);
  }
  if (endpoint.kind === 'tcp' && !isLoopback(endpoint.host)) {
    warnings.push(`${main} [circus] endpoint: the control endpoint ${endpoint.url} is reachable from other hosts and has no authentication (endpoint_allow_remote = true)`);
  }
  for (const key of ['pubsub_endpoint', 'stats_endpoint']) {
    if (c.raw(key) !== undefined) warnings.push(`${main} [circus] ${key}: accepted; nothing is published there (use circus-ctl status/stats on the control endpoint)`);
  }
  if (c.raw('check_delay') !== undefined) warnings.push(`${main} [circus] check_delay: accepted; exits are handled as they happen, not polled`);
  const pidfile = c.raw('pidfile');
  return {
    file: main,
    files,
    endpoint,
    endpointAllowRemote: allowRemote,
    checkDelay: c.get('check_delay', toSeconds, 5),
    warmupDelay: c.get('warmup_delay', toSeconds, 0),
    umask: c.get<number | undefined>('umask', toOctal, undefined),
    pidfile: pidfile ? path.resolve(path.dirname(main), pidfile) : undefined,
    loglevel: c.raw('loglevel'),
    pubsubEndpoint: c.raw('pubsub_endpoint'),
    statsEndpoint: c.raw('stats_endpoint'),
    sockets: new Map(),
    watchers: new Map(),
    warnings,
  };
}

function readFlapping(s: Section, warnings: string[]): FlappingConfig {
  s.check(KNOWN.flapping, [], warnings);
  return {
    attempts: s.get('attempts', (v, w) => toInt(v, w, 1), FLAPPING_DEFAULTS.attempts),
    window: s.get('window', toSeconds, FLAPPING_DEFAULTS.window),
    retryIn: s.get('retry_in', toSeconds, FLAPPING_DEFAULTS.retryIn),
    maxRetry: s.get('max_retry', (v, w) => toInt(v, w, -1), FLAPPING_DEFAULTS.maxRetry),
  };
}

function readSocket(s: Section, name: string, warnings: string[], env: NodeJS.ProcessEnv): SocketConfig {
  s.check(KNOWN.socket, IGNORED.socket, warnings);
  const type = s.raw('type');
  if (type !== undefined && type.trim().toUpperCase() !== 'SOCK_STREAM') {
    throw configError('EBADVALUE', s.where('type'), `only SOCK_STREAM sockets are supported, got "${type}"`);
  }
  const rawPath = s.raw('path');
  const sockPath = rawPath === undefined ? undefined : expandEnv(rawPath, env);
  const familyRaw = s.raw('family')?.trim().toUpperCase();
  const host = expandEnv(s.raw('host') ?? (familyRaw === 'AF_INET6' ? '::1' : '127.0.0.1'), env).trim();
  let family: SocketConfig['family'];
  if (familyRaw === undefined) family = sockPath ? 'AF_UNIX' : net.isIPv6(host) ? 'AF_INET6' : 'AF_INET';
  else if (familyRaw === 'AF_INET' || familyRaw === 'AF_INET6' || familyRaw === 'AF_UNIX') family = familyRaw;
  else throw configError('EBADVALUE', s.where('family'), `expected AF_INET, AF_INET6 or AF_UNIX, got "${familyRaw}"`);
  if (family === 'AF_UNIX' && !sockPath) throw configError('EMISSINGKEY', s.where('path'), 'an AF_UNIX socket needs path');
  if (family !== 'AF_UNIX' && sockPath) throw configError('EBADVALUE', s.where('path'), `path is only for AF_UNIX sockets (family is ${family})`);
  if (family === 'AF_INET' && net.isIPv6(host)) throw configError('EBADVALUE', s.where('host'), `${host} is an IPv6 address but family is AF_INET`);
  if (family === 'AF_INET6' && net.isIPv4(host)) throw configError('EBADVALUE', s.where('host'), `${host} is an IPv4 address but family is AF_INET6`);
  const port = s.get('port', (v, w) => {
    if (!/^\s*\d+\s*$/.test(v)) throw configError('EBADPORT', w, `port must be a number from 0 to 65535, got "${v}"`);
    return toInt(v, w, 0, 65535);
  }, 8080);
  return {
    name,
    family,
    host,
    port,
    path: sockPath ? path.resolve(path.dirname(s.s.file), sockPath) : undefined,
    backlog: s.get('backlog', (v, w) => toInt(v, w, 1, 65535), 2048),
    reuseport: s.get('so_reuseport', toBool, false),
    replace: s.get('replace', toBool, false),
    interface: s.raw('interface')?.trim() || undefined,
    blocking: s.get('blocking', toBool, false),
    umask: s.get<number | undefined>('umask', toOctal, undefined),
    file: s.s.file,
  };
}

function readWatcher(s: Section, name: string, cfg: CircusConfig, flap: FlappingConfig, env: NodeJS.ProcessEnv, warnings: string[]): WatcherConfig {
  s.check(KNOWN.watcher, IGNORED.watcher, warnings);
  const cmd = s.raw('cmd');
  if (cmd === undefined || !cmd.trim()) throw configError('EMISSINGKEY', s.where('cmd'), 'every watcher needs a cmd');
  const args = s.raw('args') ?? '';
  for (const key of ['cmd', 'args']) {
    try {
      splitCommand(s.raw(key) ?? '');
    } catch (err) {
      throw configError('EBADVALUE', s.where(key), (err as Error).message);
    }
  }
  const singleton = s.get('singleton', toBool, false);
  const numprocesses = s.get('numprocesses', (v, w) => toInt(v, w, 0, MAX_PROCESSES), 1);
  if (singleton && numprocesses > 1) throw configError('EBADVALUE', s.where('numprocesses'), 'a singleton watcher runs at most 1 process');
  const { uid, gid } = readIds(s);
  const maxRetry = s.get('max_retry', (v, w) => toInt(v, w, -1), flap.maxRetry);
  const workingDir = s.raw('working_dir');
  if (workingDir !== undefined && !isDirectory(path.resolve(path.dirname(s.s.file), workingDir))) {
    throw configError('EBADVALUE', s.where('working_dir'), `${workingDir} is not a directory`);
  }
  const envPairs = s.raw('env');
  return {
    name,
    file: s.s.file,
    cmd: cmd.trim(),
    args: args.trim(),
    shell: s.get('shell', toBool, false),
    numprocesses,
    useSockets: s.get('use_sockets', toBool, false),
    sockets: [],
    warmupDelay: s.get('warmup_delay', toSeconds, cfg.warmupDelay),
    workingDir: workingDir === undefined ? undefined : path.resolve(path.dirname(s.s.file), workingDir),
    copyEnv: s.get('copy_env', toBool, false),
    copyPath: s.get('copy_path', toBool, false),
    env: envPairs ? parseEnvList(envPairs, s.where('env'), env) : {},
    uid,
    gid,
    stopSignal: s.get('stop_signal', toSignal, 'SIGTERM'),
    gracefulTimeout: s.get('graceful_timeout', toSeconds, 30),
    respawn: s.get('respawn', toBool, true),
    maxAge: s.get('max_age', toSeconds, 0),
    maxAgeVariance: s.get('max_age_variance', toSeconds, 30),
    singleton,
    autostart: s.get('autostart', toBool, true),
    priority: s.get('priority', (v, w) => toInt(v, w, -1e6, 1e6), 0),
    closeStdin: s.get('close_child_stdin', toBool, true),
    stdout: readStream(s, 'stdout_stream', s.get('close_child_stdout', toBool, false)),
    stderr: readStream(s, 'stderr_stream', s.get('close_child_stderr', toBool, false)),
    notify: s.get('notify', (v, w) => (v.trim().toLowerCase() === 'auto' ? 'auto' : toBool(v, w) ? 'yes' : 'no'), 'auto' as const),
    readyTimeout: s.get('ready_timeout', toSeconds, 30),
    flapping: {
      attempts: s.get('flapping.attempts', (v, w) => toInt(v, w, 1), flap.attempts),
      window: s.get('flapping.window', toSeconds, flap.window),
      retryIn: s.get('flapping.retry_in', toSeconds, flap.retryIn),
      maxRetry: s.get('flapping.max_retry', (v, w) => toInt(v, w, -1), maxRetry),
    },
  };
}

function readIds(s: Section): { uid?: number; gid?: number } {
  const uidRaw = s.raw('uid')?.trim();
  const gidRaw = s.raw('gid')?.trim();
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

function readStream(s: Section, prefix: string, closed: boolean): StreamConfig {
  const cls = s.raw(`${prefix}.class`)?.trim();
  const filename = s.raw(`${prefix}.filename`);
  const maxBytes = s.get(`${prefix}.max_bytes`, (v, w) => toInt(v, w, 0), 0);
  const backupCount = s.get(`${prefix}.backup_count`, (v, w) => toInt(v, w, 0, 1000), 0);
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

/** [env:NAME] (NAME may be a comma list of watchers) adds variables to those watchers. */
function applyEnvSections(all: IniSection[], cfg: CircusConfig, env: NodeJS.ProcessEnv): void {
  for (const s of all.filter((x) => x.name.startsWith('env:'))) {
    const names = s.name.slice(4).split(',').map((n) => n.trim());
    for (const n of names) {
      const w = cfg.watchers.get(n);
      if (!w) throw configError('EUNKNOWNWATCHER', { file: s.file, section: s.name, line: s.line }, `no [watcher:${n}] to apply this environment to`);
      for (const [key, e] of s.entries) w.env[key] = expandEnv(e.value, env);
    }
  }
}

/** Validates circus variables and decides which sockets (in child fd order) each watcher gets. */
function resolveSockets(w: WatcherConfig, s: IniSection, cfg: CircusConfig): void {
  const fields: [string, string][] = [['cmd', w.cmd], ['args', w.args], ...Object.entries(w.env).map(([k, v]) => [`env ${k}`, v] as [string, string])];
  const used: string[] = [];
  for (const [key, text] of fields) {
    const where = { file: s.file, section: s.name, key, line: s.entries.get(key.startsWith('env') ? 'env' : key)?.line };
    for (const v of variablesIn(text)) {
      const lower = v.toLowerCase();
      if (lower === 'wid' || lower.startsWith('env.')) continue;
      if (!lower.startsWith('sockets.')) throw configError('EUNKNOWNVAR', where, `unknown variable circus.${v} (known: circus.sockets.NAME, circus.wid, circus.env.VAR)`);
    }
    for (const name of socketsIn(text)) {
      if (!cfg.sockets.has(name)) {
        const known = [...cfg.sockets.keys()];
        throw configError('EUNKNOWNSOCKET', where, `refers to socket "${name}" but there is no [socket:${name}]${known.length ? ` (defined: ${known.join(', ')})` : ''}`);
      }
      if (!used.includes(name)) used.push(name);
    }
  }
  if (used.length && !w.useSockets) {
    throw configError('ENOUSESOCKETS', { file: s.file, section: s.name, key: 'use_sockets' }, `cmd refers to socket ${used.join(', ')} but use_sockets is not true, so the child would not receive it`);
  }
  // use_sockets = true with no reference passes every socket, as Circus does.
  w.sockets = used.length || !w.useSockets ? used : [...cfg.sockets.keys()];
}

function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return substitute(text, { sockets: new Map(), wid: 0, env });
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
