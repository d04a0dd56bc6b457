// The tables of error codes and exit statuses (worker/error-codes.ts, supervisor/error-codes.ts)
// are what docs/exit-codes.md shows, row for row; every code thrown in the source is in its
// side's table with the exit status its error class ends the command with; and no table row
// names a code that nothing throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/process.js';
import { WORKER_CODES, WORKER_EXIT } from '../../worker/error-codes.js';
import { CTL_CODES, CTL_EXIT, SUPERVISOR_CODES, SUPERVISOR_EXIT } from '../../supervisor/error-codes.js';
import { EXIT } from '../../supervisor/errors.js';

type Codes = Record<string, { exit: number | null; meaning: string }>;

const SIDES: Array<{ name: string; exit: Record<number, string>; codes: Codes }> = [
  { name: 'circus-worker', exit: WORKER_EXIT, codes: WORKER_CODES },
  { name: 'circus-supervisor', exit: SUPERVISOR_EXIT, codes: SUPERVISOR_CODES },
  { name: 'circus-ctl', exit: CTL_EXIT, codes: CTL_CODES },
];

/** The markdown tables of the `## name` section of docs/exit-codes.md, as rows of cells. */
function docTables(name: string): string[][][] {
  const text = fs.readFileSync(path.join(ROOT, 'docs/exit-codes.md'), 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith(`${name}\n`));
  assert.ok(section, `docs/exit-codes.md has no "## ${name}" section`);
  const tables: string[][][] = [];
  let rows: string[][] | undefined;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      rows = undefined;
      continue;
    }
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
    if (!rows) tables.push((rows = []));
    else if (!/^-+$/.test(cells.join('').replace(/\|/g, ''))) rows.push(cells);
  }
  return tables;
}

for (const side of SIDES) {
  test(`docs/exit-codes.md lists ${side.name}'s exit statuses and codes exactly as its table does`, () => {
    const [statuses, codes] = docTables(side.name);
    assert.deepEqual(statuses, Object.entries(side.exit).map(([status, when]) => [status, when]));
    assert.deepEqual(codes, Object.entries(side.codes).map(([code, row]) => [`\`${code}\``, String(row.exit ?? '—'), row.meaning]));
  });
}

function sources(dir: string): Array<{ file: string; text: string }> {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [{ file: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') }] : [];
  });
}

/** The top-level arguments of the call whose `(` is at `open`, as source text. */
function callArgs(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      else if (quote === '`' && c === '$' && text[i + 1] === '{') {
        // A template's ${…}: skip to its closing brace, counting nested ones.
        let braces = 0;
        for (i++; i < text.length; i++) {
          if (text[i] === '{') braces++;
          else if (text[i] === '}' && --braces === 0) break;
        }
      }
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) {
        args.push(text.slice(start, i).trim());
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`unterminated call at ${open}`);
}

/** The exit status an argument such as `EXIT.ENDPOINT` or `3` stands for. */
function exitValue(arg: string | undefined, fallback: number): number {
  if (arg === undefined) return fallback;
  const m = /^EXIT\.(\w+)$/.exec(arg);
  if (m) return EXIT[m[1] as keyof typeof EXIT];
  assert.match(arg, /^\d+$/, `exit status argument ${arg}`);
  return Number(arg);
}

interface Thrown {
  where: string;
  code: string;
  table: string;
  exit: number | null;
}

/**
 * Each literal code thrown on the supervisor side, the table it belongs in and the exit status
 * its class gives it: ConfigError 2, SocketBindError 3, SupervisorError its third argument (in
 * circus-ctl's files: circus-ctl's status), ConnectError circus-ctl's third argument, a
 * CommandError is answered to circus-ctl, which exits 1.
 */
function supervisorThrows(): Thrown[] {
  const out: Thrown[] = [];
  for (const { file, text } of sources('supervisor')) {
    const ctlFile = file.startsWith('supervisor/ctl/');
    for (const m of text.matchAll(/(?:configError|new (ConfigError|CommandError|SupervisorError|SocketBindError|ConnectError))\(/g)) {
      if (/^export function configError/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index + m[0].length))) continue;
      const args = callArgs(text, m.index + m[0].length - 1);
      const literal = /^'(E[A-Z0-9_]+)'$/.exec(args[0]);
      if (!literal) continue; // a code handed on (an errno name): the E<errno> rows
      const where = `${file}: ${m[0]}'${literal[1]}'`;
      const kind = m[1] ?? 'ConfigError';
      if (kind === 'ConfigError') out.push({ where, code: literal[1], table: 'circus-supervisor', exit: EXIT.CONFIG });
      else if (kind === 'SocketBindError') out.push({ where, code: literal[1], table: 'circus-supervisor', exit: EXIT.SOCKET });
      else if (kind === 'CommandError') out.push({ where, code: literal[1], table: 'circus-ctl', exit: 1 });
      else if (kind === 'ConnectError') out.push({ where, code: literal[1], table: 'circus-ctl', exit: exitValue(args[2], 1) });
      else out.push({ where, code: literal[1], table: ctlFile ? 'circus-ctl' : 'circus-supervisor', exit: exitValue(args[2], EXIT.INTERNAL) });
    }
  }
  return out;
}

test('every code the supervisor side throws is in its table with the exit status its class gives', () => {
  const thrown = supervisorThrows();
  assert.ok(thrown.length > 50, `found only ${thrown.length} throws: the scan is broken`);
  const wrong: string[] = [];
  for (const t of thrown) {
    const row = SIDES.find((s) => s.name === t.table)!.codes[t.code];
    if (!row) wrong.push(`${t.where} is not in ${t.table}'s table`);
    else if (row.exit !== t.exit) wrong.push(`${t.where} exits ${t.exit}, the ${t.table} table says ${row.exit}`);
  }
  assert.deepEqual(wrong, []);
});

test('every code in the tables is thrown somewhere on its side', () => {
  const text = (dirs: string[]) => dirs.flatMap((d) => sources(d)).filter((s) => !s.file.endsWith('/error-codes.ts')).map((s) => s.text).join('\n');
  const worker = text(['worker']);
  const supervisor = text(['supervisor']);
  const stale = [
    ...Object.keys(WORKER_CODES).filter((c) => !worker.includes(`'${c}'`)),
    ...[...Object.keys(SUPERVISOR_CODES), ...Object.keys(CTL_CODES)].filter((c) => !c.includes('<') && !supervisor.includes(`'${c}'`)),
  ];
  assert.deepEqual(stale, []);
});
