// Reads one INI file into ordered sections with line numbers, so every later error can name
// file, [section] and key. Values go through the `ini` package (quotes, inline comments);
// the line structure (continuations, duplicates, lines without '=') is checked here because
// `ini` silently merges duplicates and nests dotted section names.
import fs from 'node:fs';
import ini from 'ini';
import { configError } from '../errors.js';

export interface IniEntry {
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  file: string;
  line: number;
  entries: Map<string, IniEntry>;
}

const HEADER = /^\[([^\]]+)\]\s*$/;
const COMMENT = /^\s*([;#]|$)/;

export function readIniFile(file: string): IniSection[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw configError('ECONFIGREAD', { file }, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseIni(text, file);
}

function parseIni(text: string, file: string): IniSection[] {
  const sections: IniSection[] = [];
  const seen = new Map<string, number>();
  let current: IniSection | undefined;
  let lastKey: { key: string; raw: string; line: number } | undefined;
  const flush = () => {
    if (current && lastKey) current.entries.set(lastKey.key, { value: decodeValue(lastKey.raw), line: lastKey.line });
    lastKey = undefined;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const n = i + 1;
    if (COMMENT.test(line)) return;
    // configparser-style continuation: an indented line extends the previous value.
    if (/^\s/.test(line) && lastKey) {
      lastKey.raw += ' ' + line.trim();
      return;
    }
    const header = HEADER.exec(line.trim());
    if (header) {
      flush();
      const name = header[1].trim();
      const prev = seen.get(name);
      if (prev !== undefined) {
        throw configError('EDUPSECTION', { file, section: name, line: n }, `section is defined twice (first at line ${prev})`);
      }
      seen.set(name, n);
      current = { name, file, line: n, entries: new Map() };
      sections.push(current);
      return;
    }
    const eq = line.indexOf('=');
    if (!current) throw configError('ENOSECTION', { file, line: n }, `"${line.trim()}" appears before any [section]`);
    if (eq === -1) throw configError('ESYNTAX', { file, section: current.name, line: n }, `expected "key = value", got "${line.trim()}"`);
    flush();
    const key = line.slice(0, eq).trim();
    if (!key) throw configError('ESYNTAX', { file, section: current.name, line: n }, 'a line starts with "=" (missing key)');
    const dup = current.entries.get(key);
    if (dup) throw configError('EDUPKEY', { file, section: current.name, key, line: n }, `key is set twice (first at line ${dup.line})`);
    lastKey = { key, raw: line.slice(eq + 1), line: n };
  });
  flush();
  return sections;
}

function decodeValue(raw: string): string {
  // Let `ini` handle quoting and inline comments of a single "k=v" line.
  const v = ini.parse(`k=${raw.trim()}`).k;
  return v === undefined ? '' : String(v);
}
