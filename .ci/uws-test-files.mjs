// Prints the compiled test files that need the uws backend: those that import
// test/helpers/uws-available, directly or through another test module (websocket/support.js).
// CI runs exactly these in the Debian 13 root with a current uWS build.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? 'build/test');
const target = path.join(root, 'helpers/uws-available.js');
const files = fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, f)).filter((f) => f.endsWith('.js'));
const imports = new Map(files.map((f) => [f, [...fs.readFileSync(f, 'utf8').matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => path.resolve(path.dirname(f), m[1]))]));

const memo = new Map();
function needsUws(file, seen = new Set()) {
  if (file === target) return true;
  if (memo.has(file)) return memo.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  const yes = (imports.get(file) ?? []).some((dep) => needsUws(dep, seen));
  memo.set(file, yes);
  return yes;
}

for (const f of files.filter((f) => f.endsWith('.test.js')).sort()) if (needsUws(f)) console.log(path.relative(process.cwd(), f));
