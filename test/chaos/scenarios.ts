// Every chaos scenario as a function of its length, returning one report row with its verdict.
// The npm test versions (test/reliability) run the same code with durations of a few seconds.
import { gapFor, SUPERVISOR_GAPS } from './known-gaps.js';
import { loadFigures, type Row } from './report.js';
import { alive, fdCount, rssKb, settledFdCount } from '../helpers/proc-stats.js';
import { exchange } from '../helpers/raw.js';
import { answersGood, seenPaths, startChaosWorker, type Combo } from './worker-matrix.js';
import * as judge from './verdicts.js';
import { HOSTILE_CASES } from './scenarios/hostile-requests.js';
import { chunkedOverLimit, slowLoris, stalledBody, stalledReader } from './scenarios/slow-clients.js';
import { idleFlood } from './scenarios/idle-flood.js';
import { fuzzWorker } from './scenarios/fuzz.js';
import { crashLoop, hungWorkers, incrDecrLoop, killAllAtOnce, killRandomWorker, manyRestarts, reloadLoop, unwritableStream, type FaultResult, type FaultSetup } from './scenarios/supervisor-faults.js';
import { abuseControl, flood, oversized } from './scenarios/control-abuse.js';
import { fuzzIni } from './scenarios/ini-fuzz.js';
import { superviseWeb } from './scenarios/supervisor-setup.js';
import { runningPids } from '../helpers/supervisor.js';
import { waitFor } from '../helpers/process.js';

export interface Scale {
  /** Length of the load scenarios, ms (60 s in the long form). */
  durationMs: number;
  restarts: number;
  idleConnections: number;
}

/** The row's verdict from what verdicts.ts found wrong: a pass, a known gap, or a FAIL. */
function verdictOf(problems: string[], gap?: string): { verdict: Row['verdict']; notes: string[] } {
  if (!problems.length) return { verdict: 'pass', notes: [] };
  return gap ? { verdict: 'known gap', notes: [`${problems.join('; ')} (known: ${gap})`] } : { verdict: 'FAIL', notes: problems };
}

function faultRow(r: FaultResult, problems: string[], gap: string | undefined, t0: number): Row {
  const v = verdictOf(problems, gap);
  const causes = Object.entries(r.load.causes).map(([k, n]) => `${k}×${n}`).join(' ');
  return {
    scenario: r.scenario, backend: r.backend, verdict: v.verdict, ...loadFigures(r.load),
    fds: r.supervisor ? [r.supervisor.fdsBefore, r.supervisor.fdsAfter] : undefined,
    rssKb: r.supervisor ? [r.supervisor.rssBeforeKb, r.supervisor.rssAfterKb] : undefined,
    notes: [`${r.processes} workers, ${r.faults} faults`, ...(causes ? [`failures: ${causes}`] : []), ...r.notes, ...v.notes], ms: performance.now() - t0,
  };
}

const served = judge.servedProblems;

export function faultScenarios(setup: FaultSetup, s: Scale): (() => Promise<Row>)[] {
  const d = s.durationMs;
  const backend = setup.backend;
  return [
    async () => {
      const t0 = performance.now();
      const r = await killRandomWorker(setup, 4, d, 2000);
      return faultRow(r, served(r), gapFor(backend, 'kill random'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await reloadLoop(setup, 4, d, 5000, true);
      return faultRow(r, served(r), gapFor(backend, 'reload'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await reloadLoop(setup, 4, Math.min(d, 30000), 5000, false);
      return faultRow(r, served(r), gapFor(backend, 'reload'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await incrDecrLoop(setup, 3, d, 1000, true);
      return faultRow(r, served(r), gapFor(backend, 'incr/decr'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await killAllAtOnce(setup, 4, Math.min(d, 20000));
      return faultRow(r, served(r), gapFor(backend, 'kill all'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await manyRestarts(setup, 4, s.restarts, Math.max(d * 10, 60000));
      return faultRow(r, judge.restartProblems(r, s.restarts), gapFor(backend, 'restarts'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await crashLoop(setup, Math.max(d, 30000));
      return faultRow(r, judge.crashLoopProblems(r), gapFor(backend, 'crash loop'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await unwritableStream(setup, Math.min(d, 30000));
      return faultRow(r, judge.unwritableStreamProblems(r), gapFor(backend, 'unwritable stream'), t0);
    },
    async () => {
      const t0 = performance.now();
      const r = await hungWorkers(setup, 4, Math.max(d, 15000), 5000, 2);
      return faultRow(r, judge.hungWorkerProblems(r, 2), gapFor(backend, 'hung worker'), t0);
    },
  ];
}

export function workerScenarios(combo: Combo, s: Scale): (() => Promise<Row>)[] {
  const backend = `${combo.backend}/${combo.handler}`;
  const withWorker = async (args: string[], fn: (w: Awaited<ReturnType<typeof startChaosWorker>>) => Promise<Omit<Row, 'backend' | 'ms'>>): Promise<Row> => {
    const t0 = performance.now();
    const w = await startChaosWorker(combo, args);
    try {
      const row = await fn(w);
      const up = alive(w.pid) && (await answersGood(w.target).catch(() => false));
      if (!up) return { ...row, backend, verdict: 'FAIL', notes: [...row.notes, 'the worker died or stopped answering'], ms: performance.now() - t0 };
      return { ...row, backend, ms: performance.now() - t0 };
    } finally {
      w.proc.child.kill('SIGKILL');
      w.release();
    }
  };
  return [
    () => withWorker(['--idle-timeout', '3', '--max-body', '64k'], async (w) => {
      const bad: string[] = [];
      const gaps: string[] = [];
      const deadlineMs = 7000;
      await Promise.all(HOSTILE_CASES.map(async (c) => {
        const r = await exchange(w.target, c.bytes, { timeoutMs: deadlineMs });
        if (judge.hostileProblem(c, r, deadlineMs)) (gapFor(combo.backend, c.name) ? gaps : bad).push(`${c.name}: ${r.statuses.join(',') || (r.closedByServer ? 'closed' : 'left open')}`);
      }));
      const leaked = judge.leakedMarkers(HOSTILE_CASES, await seenPaths(w.target));
      (gapFor(combo.backend, 'no hostile request reached the app') ? gaps : bad).push(...leaked.map((l) => `reached the app: ${l}`));
      return { scenario: `${HOSTILE_CASES.length} hostile requests (framing, limits, smuggling)`, verdict: bad.length ? 'FAIL' : gaps.length ? 'known gap' : 'pass', notes: [...bad, ...gaps] };
    }),
    () => withWorker(['--idle-timeout', '2'], async (w) => {
      const r = await slowLoris(w.target, 200, 1000, 10000);
      const slowest = Math.max(...r.closedAfterMs);
      const closedNote = r.closedAfterMs.length
        ? `${r.closedAfterMs.length} closed after ${Math.round(Math.min(...r.closedAfterMs))}–${Math.round(slowest)} ms`
        : 'none closed';
      const v = verdictOf(judge.slowLorisProblems(r, judge.slowLorisBoundMs(1000, 2)), gapFor(combo.backend, 'slow-loris'));
      return { scenario: 'slow-loris: 200 clients, 1 header byte/s, --idle-timeout 2', ...v, notes: [`${closedNote} with ${[...new Set(r.statuses)].join('/') || 'no answer'}; good requests meanwhile ${r.goodOk}/${r.goodSent}`, ...v.notes] };
    }),
    () => withWorker(['--idle-timeout', '2'], async (w) => {
      const closed = await stalledBody(w.target, 8000);
      const v = verdictOf(judge.stalledBodyProblems(closed, 2000 + 2000), gapFor(combo.backend, 'stalled body'));
      return { scenario: 'request body stalls after 3 bytes, --idle-timeout 2', ...v, notes: [`closed after ${closed === undefined ? '(never)' : Math.round(closed)} ms`, ...v.notes] };
    }),
    () => withWorker(['--max-body', '64k'], async (w) => {
      const r = await chunkedOverLimit(w.target, w.pid, 256 * 2 ** 20);
      const v = verdictOf(judge.chunkedOverLimitProblems(r), gapFor(combo.backend, 'chunked 413'));
      return { scenario: 'chunked body over --max-body 64k (256 MiB offered)', ...v, rssKb: [r.rssBeforeKb, r.rssAfterKb], notes: [`${r.status} after ${(r.sentWhenAnswered / 1024).toFixed(0)} KiB sent`, ...v.notes] };
    }),
    () => withWorker([], async (w) => {
      const r = await stalledReader(w.target, w.pid, 1024, Math.min(s.durationMs, 10000));
      const v = verdictOf(judge.stalledReaderProblems(r), gapFor(combo.backend, 'stalled reader'));
      return { scenario: `reader stops during a 1 GiB streamed response (${r.stalledMs / 1000} s)`, ...v, rssKb: [r.rssBeforeKb, r.rssAfterKb], notes: [`app produced ${r.producedMb.toFixed(1)} MiB, client read ${r.receivedMb.toFixed(2)} MiB`, ...v.notes] };
    }),
    () => withWorker(['--idle-timeout', '120', '--log-level', 'error'], async (w) => {
      const r = await idleFlood(w.target, w.pid, s.idleConnections);
      const v = verdictOf(judge.idleFloodProblems(r), gapFor(combo.backend, 'idle flood'));
      return {
        scenario: `${r.opened} idle connections + one more client`, ...v, fds: [r.workerFdsBefore, r.workerFdsDuring], rssKb: [r.rssBeforeKb, r.rssDuringKb],
        notes: [`good request answered in ${Math.round(r.goodMs)} ms`, ...(r.scaledBecause ? [`scaled down: ${r.scaledBecause}`] : []), ...v.notes],
      };
    }),
    () => withWorker(['--max-body', '64k', '--log-level', 'error'], async (w) => {
      const r = await fuzzWorker(w.target, w.pid, s.durationMs);
      const v = verdictOf(judge.fuzzProblems(r), gapFor(combo.backend, 'fuzz'));
      return { scenario: `fast-check mutated requests, ${Math.round(r.ms / 1000)} s`, ...v, sent: r.requests, notes: [`${r.batches} batches; outcomes ${JSON.stringify(r.outcomes)}`, ...v.notes] };
    }),
  ];
}

export function supervisorInputScenarios(s: Scale): (() => Promise<Row>)[] {
  return [
    async () => {
      const t0 = performance.now();
      const r = await superviseWeb({ backend: 'node', processes: 2 });
      const pid = r.proc.child.pid!;
      try {
        const path = r.endpoint.replace(/^unix:\/\//, '');
        await waitFor(async () => (await runningPids(r, 'web')).length === 2, 'workers up', 30000);
        const fds0 = await settledFdCount(pid);
        const rss0 = rssKb(pid);
        const verdicts = await abuseControl(path);
        const big = await oversized(path, 64 * 2 ** 20);
        const f = await flood(path, 5000);
        const t1 = performance.now();
        const status = await r.ctl('status');
        const statusMs = performance.now() - t1;
        const fdsDuring = fdCount(pid);
        for (const sock of f.sockets) sock.destroy();
        const fds1 = await settledFdCount(pid, 500);
        const bad = verdicts.filter((v) => v.problem).map((v) => `${v.name}: ${v.problem}`);
        const v = verdictOf([
          ...bad,
          ...judge.oversizedProblems(big),
          ...judge.statusDuringFloodProblems(status.status, statusMs),
          ...(fds1 <= fds0 ? [] : [`fds ${fds0} → ${fds1}`]),
          ...(alive(pid) ? [] : ['daemon died']),
        ]);
        return {
          scenario: `control endpoint: ${verdicts.length} malformed messages, a 64 MiB line, 5,000 idle connections`, backend: 'supervisor', ...v,
          fds: [fds0, fds1], rssKb: [rss0, rssKb(pid)],
          notes: [`64 MiB line cut after ${((big.closedAfterBytes ?? 0) / 2 ** 20).toFixed(1)} MiB; status answered in ${Math.round(statusMs)} ms with ${fdsDuring} fds open`, ...v.notes],
          ms: performance.now() - t0,
        };
      } finally {
        r.proc.child.kill('SIGKILL');
      }
    },
    async () => {
      const t0 = performance.now();
      const r = await fuzzIni(s.durationMs);
      const v = verdictOf(r.failure === undefined ? [] : [r.failure], SUPERVISOR_GAPS['ini fuzz']);
      return { scenario: `fast-check mutated INI files, ${Math.round(r.ms / 1000)} s`, backend: 'supervisor', ...v, sent: r.runs, notes: [`outcomes ${JSON.stringify(r.outcomes)}`, ...v.notes], ms: performance.now() - t0 };
    },
  ];
}
