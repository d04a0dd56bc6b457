// The source tree as the layout tests read it: the .ts files under a folder and their relative imports.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './process.js';

/** Repository-relative paths of the .ts files under `dir`. */
export function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? sources(rel) : e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Repository-relative .ts paths of the relative imports of `file`. */
export function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.[^']+)\.js'/gms)].map((m) => path.posix.join(path.posix.dirname(file), m[1]) + '.ts');
}

/** Files under `dirs` with more than `max` lines, as [file, lines]. */
export function longerThan(max: number, ...dirs: string[]): (readonly [string, number])[] {
  return dirs
    .flatMap(sources)
    .map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n > max);
}
