// [circus] include = a.ini conf.d/*.ini and include_dir = DIR: resolved relative to the main file.
import fs from 'node:fs';
import path from 'node:path';
import { configError } from '../errors.js';

interface IncludeSource {
  raw(key: string): string | undefined;
  where(key: string): { file: string; section: string; key: string; line?: number };
}

export function expandIncludes(circus: IncludeSource, main: string): string[] {
  const base = path.dirname(main);
  const out: string[] = [];
  for (const pattern of (circus.raw('include') ?? '').split(/\s+/).filter(Boolean)) {
    const found = glob(path.resolve(base, pattern));
    if (!found.length) throw configError('EINCLUDE', circus.where('include'), `"${pattern}" matches no file`);
    out.push(...found);
  }
  const dir = circus.raw('include_dir');
  if (dir) {
    const abs = path.resolve(base, dir.trim());
    if (!fs.existsSync(abs)) throw configError('EINCLUDE', circus.where('include_dir'), `directory ${abs} does not exist`);
    out.push(...glob(path.join(abs, '*.ini')));
  }
  return [...new Set(out)].filter((f) => f !== main);
}

/** Minimal glob: `*` and `?` inside path segments (Node 20 has no fs.glob). */
function glob(pattern: string): string[] {
  const parts = pattern.split('/').filter(Boolean);
  let paths = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!/[*?]/.test(part)) {
        const p = path.join(dir, part);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      const re = new RegExp('^' + part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      next.push(...names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n)));
    }
    paths = next;
  }
  return paths.filter((p) => fs.statSync(p).isFile());
}
