// circus-ctl top: every second, the supervisor's per-process samples (`metrics` command) turned
// into rates between two reports: requests/s, p99 from the histogram's deltas, in-flight, CPU %,
// RSS and the age of the last report (sent from the worker's event loop, so it grows while the
// loop is blocked). A table fitted to the terminal, or one JSON line per sample with --json.
import { BUCKETS, type MetricsReport } from '../../sys/metrics-report.js';
import { request } from './client.js';
import { table } from './format.js';
import type { Answers, Reply, WorkerSample as Sample } from '../answers.js';

export interface TopRow {
  watcher: string;
  pid: number;
  wid: number;
  state: string;
  /** Requests finished per second, over the last two reports. */
  rps: number | null;
  /** Upper bound (seconds) of the histogram bucket holding the 99th percentile; Infinity past 10 s. */
  p99: number | null;
  inflight: number | null;
  /** CPU % of one core. */
  cpu: number | null;
  rss: number | null;
  /** Seconds since the last report arrived. */
  age: number | null;
}

type Rates = Pick<TopRow, 'rps' | 'p99' | 'cpu'>;

/** p99's bucket bound from the change of a cumulative histogram, or null when nothing finished. */
function p99Of(before: MetricsReport, after: MetricsReport): number | null {
  const n = after.count - before.count;
  if (n <= 0) return null;
  const i = after.buckets.findIndex((c, k) => c - before.buckets[k] >= 0.99 * n);
  return i === -1 ? Infinity : BUCKETS[i];
}

/** Turns successive samples into rows; remembers each pid's last two distinct reports. */
class TopRates {
  private readonly seen = new Map<number, { at: number; report: MetricsReport; rates: Rates }>();

  rows(samples: Sample[], now: number): TopRow[] {
    const rows = samples.map((s) => {
      const r = s.report;
      const prev = this.seen.get(s.pid);
      let rates: Rates = prev?.rates ?? { rps: null, p99: null, cpu: null };
      if (r && prev && s.at > prev.at) {
        const dt = (s.at - prev.at) / 1000;
        rates = { rps: (r.count - prev.report.count) / dt, p99: p99Of(prev.report, r), cpu: ((r.cpu - prev.report.cpu) / dt) * 100 };
      }
      if (r && (!prev || s.at > prev.at)) this.seen.set(s.pid, { at: s.at, report: r, rates });
      return { watcher: s.watcher, pid: s.pid, wid: s.wid, state: s.state, ...rates, inflight: r?.inflight ?? null, rss: r?.rss ?? null, age: r ? Math.max(0, now - s.at) / 1000 : null };
    });
    for (const pid of this.seen.keys()) if (!samples.some((s) => s.pid === pid)) this.seen.delete(pid);
    return rows;
  }
}

const fixed = (n: number | null, digits: number, unit = '') => (n === null ? '-' : `${n.toFixed(digits)}${unit}`);
const ms = (s: number | null) => (s === null ? '-' : s === Infinity ? '>10s' : s < 1 ? `${Math.round(s * 1000)}ms` : `${s}s`);

/** Columns in the order they are dropped when the terminal is too narrow (last dropped first). */
const COLUMNS: [string, (r: TopRow) => string][] = [
  ['watcher', (r) => r.watcher],
  ['pid', (r) => String(r.pid)],
  ['req/s', (r) => fixed(r.rps, 0)],
  ['p99', (r) => ms(r.p99)],
  ['in-flight', (r) => (r.inflight === null ? '-' : String(r.inflight))],
  ['cpu', (r) => fixed(r.cpu, 1, '%')],
  ['rss', (r) => (r.rss === null ? '-' : `${(r.rss / 1048576).toFixed(1)}MB`)],
  ['beat', (r) => fixed(r.age, 1, 's')],
  ['wid', (r) => String(r.wid)],
  ['state', (r) => r.state],
];

/** The table for `rows`, with as many columns as fit in `width` and lines cut to it. */
function renderTop(rows: TopRow[], width: number, title: string): string {
  for (let n = COLUMNS.length; n >= 1; n--) {
    const cols = COLUMNS.slice(0, n);
    const text = table(cols.map(([h]) => h), rows.map((r) => cols.map(([, f]) => f(r))));
    if (n === 1 || text.split('\n').every((l) => l.length <= width)) return [title.slice(0, width), ...text.split('\n').map((l) => l.slice(0, width))].join('\n');
  }
  return title;
}

export interface TopOptions {
  endpoint: string;
  json: boolean;
  timeoutMs: number;
  /** Stop after this many samples (0: until q or Ctrl-C). */
  iterations: number;
  intervalMs?: number;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';
const HOME_CLEAR = '\x1b[H\x1b[2J';

/** Runs until q, Ctrl-C or `iterations`; resolves with the exit code (errors reject). */
export async function runTop(o: TopOptions): Promise<number> {
  const out = process.stdout;
  const tty = !o.json && out.isTTY;
  const stdin = process.stdin;
  const rates = new TopRates();
  let quit!: () => void;
  const quitting = new Promise<void>((r) => (quit = r));
  const onKey = (d: Buffer) => {
    if (d.includes(0x71) || d.includes(0x03)) quit(); // q, Ctrl-C
  };
  const onSignal = () => quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (stdin.isTTY && !o.json) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
  }
  if (tty) out.write(ALT_SCREEN_ON);
  let last = '';
  const draw = () => tty && out.write(HOME_CLEAR + last);
  out.on('resize', draw);
  try {
    for (let i = 0; o.iterations === 0 || i < o.iterations; i++) {
      const reply = await request(o.endpoint, 'metrics', {}, o.timeoutMs);
      if (reply.status === 'error') throw new Error(String(reply.reason));
      // The samples form of the answer (asked without format=prometheus).
      const answer = reply as Reply & Extract<Answers['metrics'], { workers: unknown }>;
      if (!Array.isArray(answer.workers)) throw new Error('the supervisor answered metrics without its workers');
      const now = Number(answer.now) || Date.now();
      const rows = rates.rows(answer.workers, now);
      if (o.json) out.write(JSON.stringify({ time: now / 1000, workers: rows }) + '\n');
      else {
        last = renderTop(rows, out.columns || 80, `circus-ctl top: ${rows.length} process(es), ${new Date(now).toLocaleTimeString()} (q to quit)`);
        if (tty) draw();
        else out.write(last + '\n\n');
      }
      const tick = new Promise<void>((r) => setTimeout(r, o.intervalMs ?? 1000));
      if ((await Promise.race([tick.then(() => false), quitting.then(() => true)])) === true) break;
    }
  } finally {
    out.off('resize', draw);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stdin.isTTY && !o.json) {
      stdin.setRawMode(false);
      stdin.off('data', onKey);
      stdin.pause();
    }
    if (tty) out.write(ALT_SCREEN_OFF);
  }
  return 0;
}
