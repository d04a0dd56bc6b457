// Loading uWebSockets.js: the npm alias by default, another build when the user names one
// (--uws-module / CIRCUS_UWS_MODULE). Only the native addon counts: some builds silently fall
// back to a slow JavaScript imitation when they carry no binary for this Node, and serving on
// that would be worse than node:http.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Uws from 'uWebSockets.js';
import { firstLine } from '../log.js';

export type UwsModule = typeof Uws;

const DEFAULT_UWS_MODULE = 'uWebSockets.js';

const ownRequire = createRequire(import.meta.url);

function isPathLike(name: string): boolean {
  return name.startsWith('.') || path.isAbsolute(name);
}

/**
 * Resolves from the app's folder first (a build installed next to the app wins), then from the
 * working directory, then from the worker's own install.
 */
function resolveModule(name: string, from: readonly string[]): string {
  if (isPathLike(name)) return path.resolve(from[from.length - 1] ?? process.cwd(), name);
  for (const dir of from) {
    try {
      return createRequire(path.join(dir, 'noop.js')).resolve(name);
    } catch { /* next */ }
  }
  return ownRequire.resolve(name);
}

/** `name@version` of the package that holds `file`, for the start line. */
function buildOf(file: string): string {
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name) return `${pkg.name}@${pkg.version ?? 'unknown'}`;
    } catch { /* no package.json here */ }
  }
  return path.basename(file);
}

/**
 * The request-head limit uWS builds read from UWS_HTTP_MAX_HEADERS_SIZE once, when the addon
 * loads (v20.35 onwards; the bundled 20.30 ignores it): node:http's default, so that both
 * backends parse heads of up to 16 KiB, also when they arrive in several reads.
 */
const MAX_HEADER_BYTES = 16 * 1024;

export interface LoadedUws {
  uws: UwsModule;
  /** `name@version` of the build, e.g. `uWebSockets.js@20.52.0`. */
  build: string;
}

function isNativeFunction(fn: unknown): boolean {
  return typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

/**
 * Why this platform's binary of the build in `file`'s folder does not load. uWebSockets.js's own
 * loader replaces the real error with "supports only Node.js versions …" even when this Node is
 * listed and the binary needs a newer glibc (the npm uwebsockets@3.0.6 build on Debian 12).
 */
function binaryCause(file: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(ownRequire.resolve(file));
  } catch {
    return undefined; // nothing there at all: the require error says so
  }
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  if (!fs.existsSync(path.join(dir, name))) return `the build has no ${name}`;
  try {
    ownRequire(path.join(dir, name));
    return undefined;
  } catch (err) {
    const line = firstLine(err);
    const glibc = glibcVersion();
    return `${name}: ${line}${/GLIBC_/.test(line) && glibc ? ` (this system has glibc ${glibc})` : ''}`;
  }
}

/** Requires with console output muted: fallback builds announce themselves on stdout/stderr. */
function quietRequire(file: string): { mod: unknown; said: string[] } {
  const said: string[] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  const capture = (...args: unknown[]) => void said.push(args.map(String).join(' '));
  Object.assign(console, { log: capture, warn: capture, error: capture, info: capture });
  try {
    return { mod: ownRequire(file), said };
  } finally {
    Object.assign(console, saved);
  }
}

/** This system's glibc version, as Node's diagnostic report gives it (undefined off glibc). */
function glibcVersion(): string | undefined {
  return (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
}

/** The official build for this system: v20.52.0 is the last one built against glibc < 2.38. */
function officialInstallLine(): string {
  const glibc = glibcVersion();
  const [major, minor] = (glibc ?? '0.0').split('.').map(Number);
  const tag = major > 2 || (major === 2 && minor >= 38) ? 'v20.67.0' : 'v20.52.0';
  return `npm install uWebSockets.js@github:uNetworking/uWebSockets.js#${tag}${glibc ? ` (glibc ${glibc})` : ''}`;
}

/** Loads and checks the module, or throws an Error whose message says why and what to do. */
export function loadUwsModule(name: string = DEFAULT_UWS_MODULE, from: readonly string[] = [process.cwd()]): LoadedUws {
  const where = `Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch})`;
  let file: string;
  try {
    file = resolveModule(name, from);
  } catch {
    throw new Error(`cannot find module '${name}'; install uWebSockets.js (the official build: npm install uWebSockets.js@github:uNetworking/uWebSockets.js#<tag>) or name an installed build with --uws-module / CIRCUS_UWS_MODULE`);
  }
  let loaded: { mod: unknown; said: string[] };
  // A limit the user set themselves wins.
  process.env.UWS_HTTP_MAX_HEADERS_SIZE ??= String(MAX_HEADER_BYTES);
  try {
    loaded = quietRequire(file);
  } catch (err) {
    const cause = binaryCause(file);
    throw new Error(`module '${name}' failed to load on ${where}: ${firstLine(err)}${cause && !firstLine(err).includes(cause) ? `; ${cause}` : ''}`);
  }
  const mod = loaded.mod as Partial<UwsModule> | undefined;
  if (!mod || typeof mod.App !== 'function' || typeof mod.us_listen_socket_close !== 'function') {
    throw new Error(`module '${name}' does not look like uWebSockets.js (no App / us_listen_socket_close export)`);
  }
  if (!isNativeFunction(mod.App)) {
    const hint = loaded.said.find((l) => /fall|compatible/i.test(l));
    throw new Error(`module '${name}' has no native binary for ${where} and loaded a slow JavaScript fallback instead${hint ? ` ("${firstLine(hint)}")` : ''}; ` +
      `for the uws backend on this Node, install the official build next to the app: ${officialInstallLine()}`);
  }
  return { uws: mod as UwsModule, build: buildOf(file) };
}
