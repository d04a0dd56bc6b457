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

/** `name@version` of the package that holds `file` (or is the folder `file`), for the start line. */
function buildOf(file: string): string | undefined {
  let start = path.dirname(file);
  try {
    if (fs.statSync(file).isDirectory()) start = file; // --uws-module DIR: the package is DIR itself
  } catch { /* resolved files exist; keep the parent */ }
  for (let dir = start; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name) return `${pkg.name}@${pkg.version ?? 'unknown'}`;
    } catch { /* no package.json here */ }
  }
  return undefined;
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
 * Why this platform's binary of the build in `file`'s folder does not load, in one clause.
 * uWebSockets.js's own loader replaces the real error with "supports only Node.js versions …"
 * even when this Node is listed and the binary needs a newer glibc (20.57 on Debian 12).
 */
function binaryCause(file: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(ownRequire.resolve(file));
  } catch {
    return undefined; // nothing there at all: the require error says so
  }
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  // Beside the loader (official builds) or in a binaries/ folder beside or above it (the bundled one).
  const binary = [dir, path.join(dir, 'binaries'), path.join(dir, '../binaries')].map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
  if (!binary) return `it has no binary for ABI ${process.versions.modules} (no ${name})`;
  try {
    ownRequire(binary);
    return undefined;
  } catch (err) {
    const line = firstLine(err);
    const symbol = /version `(GLIBC_([\d.]+))' not found/.exec(line);
    const glibc = glibcVersion();
    if (symbol) return `${name}: ${symbol[1]} not found (needs glibc >= ${symbol[2]}, this system has ${glibc ?? 'another libc'})`;
    return `${name}: ${line}`;
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
  return `npm install uWebSockets.js@github:uNetworking/uWebSockets.js#${tag}`;
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
  const build = buildOf(file);
  const what = build ?? `module '${name}'`;
  try {
    loaded = quietRequire(file);
  } catch (err) {
    const cause = binaryCause(file) ?? firstLine(err);
    throw new Error(`${what} cannot load on ${where}: ${cause}; for the uws backend here: ${officialInstallLine()}`);
  }
  const mod = loaded.mod as Partial<UwsModule> | undefined;
  if (!mod || typeof mod.App !== 'function' || typeof mod.us_listen_socket_close !== 'function') {
    throw new Error(`${what} does not look like uWebSockets.js (no App / us_listen_socket_close export)`);
  }
  if (!isNativeFunction(mod.App)) {
    // The build's loader says only "not compatible"; the binary itself says what is missing.
    const cause = binaryCause(file) ?? 'it loaded a slow JavaScript imitation instead of its native binary';
    throw new Error(`${what} cannot load on ${where}: ${cause} (its JavaScript fallback is not served); ` +
      `for the uws backend here: ${officialInstallLine()}`);
  }
  return { uws: mod as UwsModule, build: build ?? path.basename(file) };
}
