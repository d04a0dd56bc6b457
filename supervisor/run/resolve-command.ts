// Finds the executable for argv[0] the way execvp would, plus one convenience: `circus-worker`
// falls back to the bundled build when it is not on PATH (a fresh clone has no bin link for itself).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUNDLED_WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../worker/cli.js');

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Returns [file, ...args] ready for spawn, or undefined when nothing executable is found. */
export function resolveCommand(argv: string[], searchPath: string | undefined, cwd: string): string[] | undefined {
  const [prog, ...rest] = argv;
  if (prog.includes('/')) return [path.resolve(cwd, prog), ...rest];
  for (const dir of (searchPath ?? '').split(':').filter(Boolean)) {
    const p = path.resolve(cwd, dir, prog);
    if (isExecutable(p)) return [p, ...rest];
  }
  if (prog === 'circus-worker' && fs.existsSync(BUNDLED_WORKER)) return [process.execPath, BUNDLED_WORKER, ...rest];
  if (prog === 'node') return [process.execPath, ...rest];
  return undefined;
}
