// Imports the app module (TypeScript through tsx, no build step) and decides which kind of
// handler it is: fetch, node-style or uws-native. Every failure is a WorkerError naming the file.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WorkerError } from './error-codes.js';
import type { AppHandler, FetchFunction, HandlerKind } from './contract.js';
import { withBunPlaceholder } from './fetch/web-globals.js';
import { readWebSocketHandler } from './fetch/websocket-options.js';
import { EXPORT_INSTEAD, watchListens } from './app-listens.js';
import { firstLine, type Logger } from './log.js';

const EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx'];
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx', '.jsx']);

export interface AppSpec {
  file: string;
  exportName?: string;
}

/** `app.ts` or `app.ts:name`; the colon is taken as a separator only when a name follows. */
export function parseAppSpec(spec: string, cwd: string): AppSpec {
  const m = /^(.*):([A-Za-z_$][\w$]*)$/.exec(spec);
  const [file, exportName] = m && EXTENSIONS.includes(path.extname(m[1])) ? [m[1], m[2]] : [spec, undefined];
  return { file: path.resolve(cwd, file), exportName };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'function') return `a function of ${v.length} argument(s)`;
  if (typeof v === 'object') return `an object with keys [${Object.keys(v).slice(0, 6).join(', ')}]`;
  return `a ${typeof v}`;
}

const EXPECTED = 'a fetch handler (an object with fetch(request), or a function of one argument returning a Response), ' +
  'a node-style (req, res) listener, or a uws(app) function';

type Loose = Record<string, unknown> & { fetch?: unknown };

/** Classifies an export. `override` (from --handler) skips guessing but still checks the shape. */
function classify(value: unknown, mod: Loose, override: HandlerKind | undefined, where: string, explicit = false): AppHandler {
  const fn = typeof value === 'function' ? (value as (...a: unknown[]) => unknown) : undefined;
  const fetchObj = value && typeof (value as Loose).fetch === 'function' ? (value as { fetch: FetchFunction; websocket?: unknown }) : undefined;
  const asFetch = (): AppHandler | undefined =>
    fetchObj
      ? { kind: 'fetch', fetch: (r, server) => fetchObj.fetch(r, server), websocket: readWebSocketHandler(fetchObj.websocket, where) }
      : fn ? { kind: 'fetch', fetch: fn as (r: Request) => Response } : undefined;
  const uwsFn = typeof mod.uws === 'function' ? (mod.uws as (app: unknown, circus: unknown) => unknown) : undefined;

  let out: AppHandler | undefined;
  if (override === 'fetch') out = asFetch();
  else if (override === 'node') out = fn ? { kind: 'node', listener: fn } : undefined;
  else if (override === 'uws') {
    // A named `uws` export wins unless the user picked an export explicitly (app.ts:name).
    const register = explicit ? fn : (uwsFn ?? fn);
    out = register ? { kind: 'uws', register } : undefined;
  }
  else if (value === uwsFn && uwsFn) out = { kind: 'uws', register: uwsFn };
  else if (fetchObj) out = asFetch();
  // Express apps are (req, res, next), Koa's callback() and plain listeners (req, res).
  else if (fn) out = fn.length >= 2 ? { kind: 'node', listener: fn } : { kind: 'fetch', fetch: fn as (r: Request) => Response };
  if (!out) {
    const want = override ? `a ${override} handler (--handler ${override})` : EXPECTED;
    throw new WorkerError('EAPP_EXPORT', `${where} exports ${describeValue(value)}; expected ${want}`);
  }
  return out;
}

function pickExport(mod: Loose, spec: AppSpec, where: string): unknown {
  if (spec.exportName) {
    if (!(spec.exportName in mod)) throw new WorkerError('EAPP_EXPORT', `${where} has no export named '${spec.exportName}'`);
    return mod[spec.exportName];
  }
  let value = mod.default;
  // CommonJS through import(): module.exports may itself carry a default (transpiled ESM).
  if (value && typeof value === 'object' && 'default' in value && !('fetch' in value)) value = (value as Loose).default;
  if (value !== undefined) return value;
  if (typeof mod.fetch === 'function') return mod;
  if (typeof mod.uws === 'function') return mod.uws;
  return undefined;
}

let tsxRegistered = false;

/** The tsconfig.json nearest to the app (what tsc would use for it), not the one in the cwd. */
function nearestTsconfig(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * tsx needs both of its hooks: the ESM one for files in an ESM scope, the CommonJS one for `.cts`
 * and for `.ts` in a package without "type" (or with no package.json), which Node loads as
 * CommonJS. With the ESM hook alone, Node 20/22 fail there ("Cannot require() ES Module … in a
 * cycle", or local `./x.js` imports of `x.ts` not found).
 */
async function registerTypeScript(file: string): Promise<void> {
  const tsconfig = process.env.TSX_TSCONFIG_PATH ?? nearestTsconfig(file);
  // tsx's CommonJS hook reads the variable; the ESM hook takes the option.
  if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
  const [cjs, esm] = await Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]);
  cjs.register();
  esm.register(tsconfig ? { tsconfig } : {});
}

async function importModule(file: string): Promise<Loose> {
  if (TYPESCRIPT.has(path.extname(file)) && !tsxRegistered) {
    await registerTypeScript(file);
    tsxRegistered = true;
  }
  // A .cts is CommonJS by definition; Node 20's import() of it goes through the ESM translator,
  // whose require() skips tsx's CommonJS hook, so its own `import './x.js'` of a .ts file fails.
  return withBunPlaceholder(async () => {
    if (path.extname(file) === '.cts') {
      const exports = createRequire(file)(file) as unknown;
      // The shape import() gives a CommonJS module: module.exports as default, its keys beside it.
      return { ...(exports && typeof exports === 'object' ? exports : {}), default: exports } as Loose;
    }
    return (await import(pathToFileURL(file).href)) as Loose;
  });
}

/**
 * One line for an import that failed: a compile error gives the compiler's `file:line:column:
 * ERROR: …` lines (esbuild puts them after a "Transform failed" header); a throw gives its
 * message and the first stack frame in the user's code (not Node's, not node_modules).
 */
function loadFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/^Transform failed with \d+ errors?:/.test(message)) {
    const located = message.split('\n').slice(1).filter((l) => /:\d+:\d+: ERROR: /.test(l));
    if (located.length) return located.slice(0, 3).join('; ') + (located.length > 3 ? `; and ${located.length - 3} more` : '');
  }
  const frame = err instanceof Error ? firstUserFrame(err.stack ?? '') : undefined;
  return frame ? `${firstLine(err)} (at ${frame})` : firstLine(err);
}

// The worker's own build folder (bundled or not): its frames are never the app's.
const OWN_BUILD = (() => {
  const here = fileURLToPath(import.meta.url);
  const at = here.lastIndexOf(`${path.sep}build${path.sep}`);
  return at === -1 ? path.dirname(here) : here.slice(0, at + 7);
})();

function firstUserFrame(stack: string): string | undefined {
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*? \()?(.+?:\d+:\d+)\)?$/.exec(line);
    if (!m) continue;
    const where = m[1].startsWith('file://') ? decodeURI(m[1].slice('file://'.length)) : m[1];
    if (where.startsWith('/') && !where.includes('/node_modules/') && !where.startsWith(OWN_BUILD)) return where;
  }
  return undefined;
}

export async function loadApp(spec: AppSpec, override?: HandlerKind, log?: Pick<Logger, 'warn'>): Promise<AppHandler> {
  const where = `app ${spec.file}`;
  if (!EXTENSIONS.includes(path.extname(spec.file))) {
    throw new WorkerError('EAPP_TYPE', `${where}: expected a .js, .mjs, .cjs, .ts, .mts, .cts, .tsx or .jsx file`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec.file);
  } catch {
    throw new WorkerError('EAPP_MISSING', `${where} does not exist`);
  }
  if (!stat.isFile()) throw new WorkerError('EAPP_MISSING', `${where} is not a file`);
  let loaded: { value: Loose; listens: string[] };
  try {
    loaded = await watchListens(() => importModule(spec.file));
  } catch (err) {
    throw new WorkerError('EAPP_LOAD', `${where} failed to load: ${loadFailure(err)}`);
  }
  const { value: mod, listens } = loaded;
  const called = listens.length ? `called listen() itself (${listens.join(', ')}) while loading` : '';
  let handler: AppHandler;
  try {
    handler = classify(pickExport(mod, spec, where), mod, override, where + (spec.exportName ? `:${spec.exportName}` : ''), spec.exportName !== undefined);
  } catch (err) {
    if (called && err instanceof WorkerError) throw new WorkerError(err.code, `${where} ${called} and exports no handler: ${EXPORT_INSTEAD}`);
    throw err;
  }
  if (called) log?.warn(`${where} ${called}, so it also serves there, outside the worker; remove that listen() call (or run it only when the file is started directly)`);
  return handler;
}
