// Property-based fuzzing of circus-supervisor's configuration: randomly mutated INI files must
// give either a clean start (status answers, SIGTERM exits 0) or a clean error (exit 2/3/4, one
// "circus-supervisor: error: FILE:…" line naming where, no stack trace, no child left behind).
import fc from 'fast-check';
import { failureText } from '../fast-check-failure.js';
import fs from 'node:fs';
import path from 'node:path';
import { start, waitFor } from '../../helpers/process.js';
import { SUPERVISOR_CLI as CLI, tempDir } from '../../helpers/supervisor.js';
import { request } from '../../../supervisor/ctl/client.js';
import { chaosApp } from '../worker-matrix.js';

function baseIni(dir: string): string {
  return `[circus]
endpoint = unix://${dir}/ctl.sock
warmup_delay = 0

[socket:web]
host = 127.0.0.1
port = 0
backlog = 128

[watcher:web]
cmd = circus-worker --fd $(circus.sockets.web) --backend node ${chaosApp('fetch')}
use_sockets = True
numprocesses = 1
graceful_timeout = 5
stdout_stream.class = FileStream
stdout_stream.filename = ${dir}/web.log
flapping.attempts = 3

[env:web]
GREETING = hello
`;
}

// Lines a careless or hostile editor might add.
const LINES = ['numprocesses = -1', 'port = 70000', 'port = eighty', 'use_sockets = maybe', '[watcher:web]', '[socket:web]', '[env:nope]',
  'FOO=bar', '[plugin:flapping]', 'include = nothing-*.ini', 'stop_signal = SIGNOPE', 'graceful_timeout = -3', 'family = AF_BOGUS',
  'host = 999.1.1.1', 'cmd =', 'args = $(circus.sockets.nope)', 'args = ((circus.env.NOPE))', 'env = A', '[watcher:]', '[socket:]', '[]',
  '[circus', 'key', '= value', '; comment', '# comment', 'stdout_stream.class = Bogus', 'max_age = abc', 'priority = 1e309',
  'backlog = 99999999999', 'umask = 999', 'path =', 'endpoint = tcp://8.8.8.8:1', 'endpoint = bogus://x', 'warmup_delay = NaN',
  'singleton = true', 'numprocesses = 2', 'respawn = false', 'autostart = false', 'copy_env = true', 'uid = nobody-at-all',
  'so_reuseport = true', 'replace = yes', 'check_delay = 5', '\u0000', '\ufeff[circus]', 'numprocesses = 0x1', 'port = -0'];

type Edit =
  | { kind: 'drop'; at: number }
  | { kind: 'dup'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'add'; at: number; line: string }
  | { kind: 'char'; at: number; col: number; ch: string }
  | { kind: 'cut'; at: number; col: number };

const pos = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: pos }),
  fc.record({ kind: fc.constant('dup' as const), at: pos }),
  fc.record({ kind: fc.constant('swap' as const), at: pos, with: pos }),
  fc.record({ kind: fc.constant('add' as const), at: pos, line: fc.constantFrom(...LINES) }),
  fc.record({ kind: fc.constant('char' as const), at: pos, col: pos, ch: fc.constantFrom('=', '[', ']', ' ', ':', '$', '(', '\t', '0', '9', 'x', '\r', '.', '"', '\\') }),
  fc.record({ kind: fc.constant('cut' as const), at: pos, col: pos }),
);

function applyEdit(lines: string[], e: Edit): string[] {
  const out = [...lines];
  const i = Math.floor(e.at * out.length);
  switch (e.kind) {
    case 'drop':
      out.splice(i, 1);
      break;
    case 'dup':
      out.splice(i, 0, out[i] ?? '');
      break;
    case 'swap': {
      const j = Math.floor(e.with * out.length);
      [out[i], out[j]] = [out[j], out[i]];
      break;
    }
    case 'add':
      out.splice(i, 0, e.line);
      break;
    case 'char': {
      const l = out[i] ?? '';
      const c = Math.floor(e.col * (l.length + 1));
      out[i] = l.slice(0, c) + e.ch + l.slice(c);
      break;
    }
    case 'cut': {
      const l = out[i] ?? '';
      out[i] = l.slice(0, Math.floor(e.col * l.length));
      break;
    }
  }
  return out;
}

export const iniEdits = fc.array(edit, { minLength: 1, maxLength: 5 });

export function mutateIni(base: string, edits: Edit[]): string {
  return edits.reduce(applyEdit, base.split('\n')).join('\n');
}

export type IniOutcome = 'clean start' | 'clean error' | 'check only';

/** Starting this many processes for a fuzz case would be reckless: those cases are only --check'ed. */
function tooManyProcesses(ini: string): boolean {
  return [...ini.matchAll(/numprocesses\s*=\s*(\S+)/g)].some((m) => !(Number(m[1]) <= 4));
}

function leftChildren(supervisorPid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, 'latin1').includes(`CIRCUS_PARENT_PID=${supervisorPid}\0`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${d}/status`, 'utf8'))) out.push(Number(d));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

function cleanError(file: string, code: number | null, stderr: string): string | undefined {
  if (code === null || ![2, 3, 4].includes(code)) return `exit code ${code} (expected 2, 3 or 4)`;
  if (/\n\s+at .+:\d+:\d+\)?\s*\n/.test(stderr) || /unexpected error/i.test(stderr)) return `stack trace or unexpected error: ${stderr.slice(0, 400)}`;
  const err = stderr.split('\n').find((l) => l.startsWith('circus-supervisor: error: '));
  if (!err) return `no "circus-supervisor: error:" line: ${stderr.slice(0, 300)}`;
  if (code === 2 && !err.includes(file) && !/\[[^\]]*\]/.test(err)) return `the error names neither the file nor a section: ${err}`;
  return undefined;
}

/** Runs the supervisor on `ini` and judges the outcome; throws with the reason when it is not clean. */
export async function runIni(ini: string): Promise<IniOutcome> {
  const dir = tempDir();
  const file = path.join(dir, 'circus.ini');
  fs.writeFileSync(file, ini.replaceAll('$DIR', dir));
  const check = tooManyProcesses(ini);
  const sup = start(process.execPath, [CLI, ...(check ? ['--check'] : []), file]);
  const pid = sup.child.pid!;
  let exited = false;
  sup.exited.then(() => (exited = true));
  try {
    await waitFor(() => exited || /ready: \d+ watchers/.test(sup.stderr()), 'ready or exit', 20000);
    if (exited) {
      const { code } = await sup.exited;
      if (check && code === 0) return 'check only';
      const why = cleanError(file, code, sup.stderr());
      if (why) throw new Error(`${why}\n--- INI ---\n${ini}`);
      await new Promise((r) => setTimeout(r, 200));
      const left = leftChildren(pid);
      if (left.length) throw new Error(`exited ${code} but left children ${left.join(',')} behind\n--- INI ---\n${ini}`);
      return check ? 'check only' : 'clean error';
    }
    const endpoint = /endpoint (\S+)/.exec(sup.stderr().split('\n').find((l) => /ready: /.test(l))!)![1];
    const status = await request(endpoint, 'status', {}, 10000);
    if (status.status !== 'ok') throw new Error(`started, but status answered ${JSON.stringify(status)}\n--- INI ---\n${ini}`);
    sup.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ code: number }>((r) => (timer = setTimeout(() => r({ code: -1 }), 20000)));
    const { code } = await Promise.race([sup.exited, late]);
    clearTimeout(timer);
    if (code !== 0) throw new Error(`started, then SIGTERM gave exit code ${code}\n--- INI ---\n${ini}\n${sup.stderr().slice(-400)}`);
    return 'clean start';
  } finally {
    if (!exited) sup.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface IniFuzzResult {
  runs: number;
  outcomes: Record<IniOutcome, number>;
  failure?: string;
  ms: number;
}

export async function fuzzIni(budgetMs: number): Promise<IniFuzzResult> {
  const result: IniFuzzResult = { runs: 0, outcomes: { 'clean start': 0, 'clean error': 0, 'check only': 0 }, ms: 0 };
  const t0 = performance.now();
  const property = fc.asyncProperty(iniEdits, async (edits) => {
    const outcome = await runIni(mutateIni(baseIni('$DIR'), edits));
    result.runs++;
    result.outcomes[outcome]++;
  });
  try {
    await fc.assert(property, { numRuns: 10_000, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false, endOnFailure: true });
  } catch (err) {
    result.failure = failureText(err);
  }
  result.ms = performance.now() - t0;
  return result;
}

export { baseIni };
