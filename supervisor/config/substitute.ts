// Circus variables in cmd/args/env: $(circus.sockets.NAME) and ((circus.sockets.NAME)) → the fd
// number the child sees, $(circus.wid) → worker id, $(circus.env.VAR) → environment value.

const VAR = /\$\(\s*circus\.([\w.-]+)\s*\)|\(\(\s*circus\.([\w.-]+)\s*\)\)/gi;

export interface Vars {
  sockets: Map<string, number>;
  wid: number;
  env: Record<string, string | undefined>;
}

export function substitute(text: string, vars: Vars): string {
  return text.replace(VAR, (whole, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b) as string;
    const lower = name.toLowerCase();
    if (lower.startsWith('sockets.')) {
      const fd = vars.sockets.get(name.slice('sockets.'.length));
      return fd === undefined ? whole : String(fd);
    }
    if (lower === 'wid') return String(vars.wid);
    if (lower.startsWith('env.')) return vars.env[name.slice(4)] ?? '';
    return whole;
  });
}

/** Every circus variable used in `text`, for validation at load time. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VAR)].map((m) => (m[1] ?? m[2]) as string);
}

/** Socket names referenced in `text`, in order of first use. */
export function socketsIn(text: string): string[] {
  return variablesIn(text)
    .filter((v) => v.toLowerCase().startsWith('sockets.'))
    .map((v) => v.slice('sockets.'.length));
}

/** Splits a command line like a POSIX shell would (quotes and backslashes, no expansion). */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${line}`);
  if (has || cur) out.push(cur);
  return out;
}
