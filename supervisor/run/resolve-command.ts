// Finds the executable for argv[0] the way execvp would, plus two rules so that workers run on
// the supervisor's own Node: a Node script (a bin whose shebang names node) and a bare `node` run
// with process.execPath, whatever PATH the child gets; a full path to a node binary is kept.
// `circus-worker` falls back to the bundled build when it is not on PATH (a fresh clone has no
// bin link for itself).
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

/**
 * The interpreter flags of a Node script (`#!/usr/bin/env node`, `#!/usr/bin/env -S node --x`,
 * `#!/opt/bin/node --x`), or undefined when `file` is not one.
 */
function nodeShebang(file: string): string[] | undefined {
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(256);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const m = /^#!\s*(\S+)([^\n]*)/.exec(head);
  if (!m) return undefined;
  let words = m[2].trim().split(/\s+/).filter(Boolean);
  let interpreter = m[1];
  if (path.basename(interpreter) === 'env') {
    words = words.filter((w) => w !== '-S');
    interpreter = words.shift() ?? '';
  }
  return /^node(js)?$/.test(path.basename(interpreter)) ? words : undefined;
}

/** [file, ...args] for a found executable: a Node script goes to this process's Node. */
function run(file: string, rest: string[]): string[] {
  const flags = nodeShebang(file);
  return flags ? [process.execPath, ...flags, file, ...rest] : [file, ...rest];
}

/** Returns [file, ...args] ready for spawn, or undefined when nothing executable is found. */
export function resolveCommand(argv: string[], searchPath: string | undefined, cwd: string): string[] | undefined {
  const [prog, ...rest] = argv;
  if (prog === 'node' || prog === 'nodejs') return [process.execPath, ...rest];
  if (prog.includes('/')) return run(path.resolve(cwd, prog), rest);
  for (const dir of (searchPath ?? '').split(':').filter(Boolean)) {
    const p = path.resolve(cwd, dir, prog);
    if (isExecutable(p)) return run(p, rest);
  }
  if (prog === 'circus-worker' && fs.existsSync(BUNDLED_WORKER)) return [process.execPath, BUNDLED_WORKER, ...rest];
  return undefined;
}
