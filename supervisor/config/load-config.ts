// Circus INI → validated CircusConfig. Every error names file, [section] and key; nothing starts
// half-configured. Options Circus accepts that mean nothing here are kept as warnings.
import net from 'node:net';
import path from 'node:path';
import { configError } from '../errors.js';
import { DEFAULT_ENDPOINT, isLoopback, parseEndpoint } from '../endpoint.js';
import { expandIncludes } from './include.js';
import { readIniFile, type IniSection } from './ini-file.js';
import { socketsIn, variablesIn } from './substitute.js';
import type { CircusConfig, FlappingConfig, SocketConfig, WatcherConfig } from './types.js';
import { expandEnv, IGNORED, Section } from './section.js';
import { readWatcher } from './watcher-section.js';
import { CIRCUS_OPTIONS, FLAPPING_OPTIONS, SOCKET_OPTIONS, type Values } from './options.js';

export type { CircusConfig, SocketConfig, WatcherConfig, StreamConfig } from './types.js';

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
  const flapping = readFlapping(flappingSection && new Section(flappingSection), warnings);
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
  c.check(CIRCUS_OPTIONS, IGNORED.circus, warnings);
  const v = c.values(CIRCUS_OPTIONS);
  const endpoint = parseEndpoint(expandEnv(v.endpoint ?? DEFAULT_ENDPOINT, env));
  if (typeof endpoint === 'string') throw configError('EBADVALUE', c.where('endpoint'), endpoint);
  if (endpoint.kind === 'tcp' && !isLoopback(endpoint.host) && !v.endpoint_allow_remote) {
    throw configError('EREMOTEENDPOINT', c.where('endpoint'), `${endpoint.url} is not a loopback address; the control endpoint has no authentication, so set endpoint_allow_remote = true to expose it on purpose`);
  }
  if (endpoint.kind === 'tcp' && !isLoopback(endpoint.host)) {
    warnings.push(`${main} [circus] endpoint: the control endpoint ${endpoint.url} is reachable from other hosts and has no authentication (endpoint_allow_remote = true)`);
  }
  const metricsEndpoint = readMetricsEndpoint(main, c, v.metrics_endpoint, v.metrics_endpoint_allow_remote!, env, warnings);
  for (const key of ['pubsub_endpoint', 'stats_endpoint'] as const) {
    if (v[key] !== undefined) warnings.push(`${main} [circus] ${key}: accepted; nothing is published there (use circus-ctl status/stats on the control endpoint)`);
  }
  if (c.s.entries.has('check_delay')) warnings.push(`${main} [circus] check_delay: accepted; exits are handled as they happen, not polled`);
  return {
    file: main,
    files,
    endpoint,
    metricsEndpoint,
    stopDelay: v.stop_delay!,
    warmupDelay: v.warmup_delay!,
    umask: v.umask,
    pidfile: v.pidfile ? path.resolve(path.dirname(main), v.pidfile) : undefined,
    loglevel: v.loglevel,
    sockets: new Map(),
    watchers: new Map(),
    warnings,
  };
}

/** metrics_endpoint: TCP only, loopback unless allowed (it has no authentication, like the control endpoint). */
function readMetricsEndpoint(main: string, c: Section, raw: string | undefined, allowRemote: boolean, env: NodeJS.ProcessEnv, warnings: string[]): CircusConfig['metricsEndpoint'] {
  if (raw === undefined) return undefined;
  const ep = parseEndpoint(expandEnv(raw, env));
  if (typeof ep === 'string') throw configError('EBADVALUE', c.where('metrics_endpoint'), ep);
  if (ep.kind !== 'tcp') throw configError('EBADVALUE', c.where('metrics_endpoint'), `the HTTP endpoint must be tcp://HOST:PORT, got "${ep.url}"`);
  if (!isLoopback(ep.host) && !allowRemote) {
    throw configError('EREMOTEENDPOINT', c.where('metrics_endpoint'), `${ep.url} is not a loopback address; the HTTP endpoint has no authentication, so set metrics_endpoint_allow_remote = true to expose it on purpose (a load balancer on another host)`);
  }
  if (!isLoopback(ep.host)) warnings.push(`${main} [circus] metrics_endpoint: ${ep.url} is reachable from other hosts and has no authentication (metrics_endpoint_allow_remote = true)`);
  return ep;
}

/** Circus's flapping plugin defaults, for files without [plugin:flapping]. */
const FLAPPING_DEFAULTS = Object.fromEntries(Object.entries(FLAPPING_OPTIONS).map(([k, o]) => [k, o.fallback])) as Values<typeof FLAPPING_OPTIONS>;

function readFlapping(s: Section | undefined, warnings: string[]): FlappingConfig {
  s?.check(FLAPPING_OPTIONS, [], warnings);
  const v = s ? s.values(FLAPPING_OPTIONS) : FLAPPING_DEFAULTS;
  return { attempts: v.attempts!, window: v.window!, retryIn: v.retry_in!, maxRetry: v.max_retry! };
}

function readSocket(s: Section, name: string, warnings: string[], env: NodeJS.ProcessEnv): SocketConfig {
  s.check(SOCKET_OPTIONS, IGNORED.socket, warnings);
  const v = s.values(SOCKET_OPTIONS);
  if (v.type !== undefined && v.type.toUpperCase() !== 'SOCK_STREAM') {
    throw configError('EBADVALUE', s.where('type'), `only SOCK_STREAM sockets are supported, got "${v.type}"`);
  }
  const sockPath = v.path === undefined ? undefined : expandEnv(v.path, env);
  const familyRaw = v.family;
  const host = expandEnv(v.host ?? (familyRaw === 'AF_INET6' ? '::1' : '127.0.0.1'), env).trim();
  let family: SocketConfig['family'];
  if (familyRaw === undefined) family = sockPath ? 'AF_UNIX' : net.isIPv6(host) ? 'AF_INET6' : 'AF_INET';
  else if (familyRaw === 'AF_INET' || familyRaw === 'AF_INET6' || familyRaw === 'AF_UNIX') family = familyRaw;
  else throw configError('EBADVALUE', s.where('family'), `expected AF_INET, AF_INET6 or AF_UNIX, got "${familyRaw}"`);
  if (family === 'AF_UNIX' && !sockPath) throw configError('EMISSINGKEY', s.where('path'), 'an AF_UNIX socket needs path');
  if (family !== 'AF_UNIX' && sockPath) throw configError('EBADVALUE', s.where('path'), `path is only for AF_UNIX sockets (family is ${family})`);
  if (family === 'AF_INET' && net.isIPv6(host)) throw configError('EBADVALUE', s.where('host'), `${host} is an IPv6 address but family is AF_INET`);
  if (family === 'AF_INET6' && net.isIPv4(host)) throw configError('EBADVALUE', s.where('host'), `${host} is an IPv4 address but family is AF_INET6`);
  return {
    name,
    family,
    host,
    port: v.port!,
    path: sockPath ? path.resolve(path.dirname(s.s.file), sockPath) : undefined,
    backlog: v.backlog!,
    reuseport: v.so_reuseport!,
    replace: v.replace!,
    interface: v.interface || undefined,
    blocking: v.blocking!,
    umask: v.umask,
    file: s.s.file,
  };
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
