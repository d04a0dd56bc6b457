// Faults under load with circus-supervisor holding the socket: workers killed one at a time or
// all at once, reloads, incr/decr, many restarts, a crash-looping app, an unwritable log file.
import path from 'node:path';
import { ROOT, waitFor } from '../../helpers/process.js';
import { request, targetOf } from '../../helpers/http.js';
import { startLoad, type LoadResult } from '../../helpers/load.js';
import { rssKb, settledFdCount } from '../../helpers/proc-stats.js';
import { runningPids, type Running } from '../../helpers/supervisor.js';
import type { BackendName } from '../worker-matrix.js';
import { every, superviseWeb } from './supervisor-setup.js';
import { UWS_MODULE_FLAG } from '../../helpers/uws-available.js';

/** Which worker backend, and whether the socket is one per worker (so_reuseport = true). */
export interface FaultSetup {
  backend: BackendName;
  reuseport?: boolean;
}

/** The backend column of a report row: "node", "uws+reuseport" … */
export function setupLabel(s: FaultSetup): string {
  return s.reuseport ? `${s.backend}+reuseport` : s.backend;
}

export interface FaultResult {
  scenario: string;
  backend: string;
  processes: number;
  durationMs: number;
  faults: number;
  load: LoadResult;
  /** Upper bound for failed requests: what was in flight on the workers that died. */
  failedBound?: number;
  supervisor?: { fdsBefore: number; fdsAfter: number; rssBeforeKb: number; rssAfterKb: number };
  notes: string[];
}

// Deliberate kills must not look like flapping.
const NO_FLAPPING = 'flapping.attempts = 1000000';
const CONNECTIONS = 16;

/** Load for `durationMs` while `inject` runs; with `endWithInject`, the load stops 1 s after it. */
async function underLoad(r: Running, durationMs: number, inject: () => Promise<number>, keepAlive = true, endWithInject = false) {
  const load = startLoad(targetOf(r.sockets.get('web')!), { connections: CONNECTIONS, durationMs, keepAlive, timeoutMs: 20000 });
  try {
    const faults = await inject();
    if (endWithInject) setTimeout(() => load.stop(), 1000);
    return { faults, load: await load.done };
  } catch (err) {
    load.stop();
    await load.done;
    throw err;
  }
}

export async function killRandomWorker(setup: FaultSetup, processes: number, durationMs: number, everyMs: number): Promise<FaultResult> {
  const r = await superviseWeb({ ...setup, processes, extra: NO_FLAPPING });
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    const { faults, load } = await underLoad(r, durationMs, () =>
      every(everyMs, durationMs - 500, async () => {
        const pids = await runningPids(r, 'web');
        if (pids.length) process.kill(pids[Math.floor(Math.random() * pids.length)], 'SIGKILL');
      }),
    );
    // A killed worker held at most its share of the load's connections, each with one request.
    return { scenario: `SIGKILL a random worker every ${everyMs / 1000} s`, backend: setupLabel(setup), processes, durationMs, faults, load, failedBound: faults * CONNECTIONS, notes: [] };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

export async function reloadLoop(setup: FaultSetup, processes: number, durationMs: number, everyMs: number, keepAlive = true): Promise<FaultResult> {
  const r = await superviseWeb({ ...setup, processes });
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    let hups = 0;
    const { faults, load } = await underLoad(r, durationMs, () =>
      every(everyMs, durationMs - 500, async (i) => {
        if (i % 2 === 0) await r.ok('reload', { name: 'web' });
        else {
          const before = (r.proc.stderr().match(/reloaded all watchers/g) ?? []).length;
          r.proc.child.kill('SIGHUP');
          hups++;
          await waitFor(() => (r.proc.stderr().match(/reloaded all watchers/g) ?? []).length > before, 'SIGHUP reload', 60000);
        }
      }),
      keepAlive,
    );
    return { scenario: `reload every ${everyMs / 1000} s (circus-ctl reload and SIGHUP alternating), ${keepAlive ? 'keep-alive' : 'a connection per request'}`, backend: setupLabel(setup), processes, durationMs, faults, load, failedBound: 0, notes: [`${hups} of them SIGHUP`] };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

export async function incrDecrLoop(setup: FaultSetup, processes: number, durationMs: number, everyMs: number, keepAlive = true): Promise<FaultResult> {
  const r = await superviseWeb({ ...setup, processes });
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    const { faults, load } = await underLoad(r, durationMs, () =>
      every(everyMs, durationMs - 500, async (i) => {
        await r.ok(i % 2 === 0 ? 'incr' : 'decr', { name: 'web', nb: 1 });
      }),
      keepAlive,
    );
    return { scenario: `incr/decr every ${everyMs / 1000} s, ${keepAlive ? 'keep-alive' : 'a connection per request'}`, backend: setupLabel(setup), processes, durationMs, faults, load, failedBound: 0, notes: [] };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

export async function killAllAtOnce(setup: FaultSetup, processes: number, durationMs: number): Promise<FaultResult> {
  const r = await superviseWeb({ ...setup, processes, extra: NO_FLAPPING });
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    let backMs = 0;
    const { faults, load } = await underLoad(r, durationMs, async () => {
      await new Promise((res) => setTimeout(res, durationMs / 4));
      const pids = await runningPids(r, 'web');
      for (const p of pids) process.kill(p, 'SIGKILL');
      const t0 = performance.now();
      // A fresh connection made while no worker is up waits in the backlog, then gets its answer.
      const queued = await request(r.sockets.get('web')!, '/', { timeoutMs: 30000 });
      backMs = performance.now() - t0;
      if (queued.status !== 200) throw new Error(`queued request answered ${queued.status}`);
      return pids.length;
    });
    return {
      scenario: 'all workers SIGKILLed at once', backend: setupLabel(setup), processes, durationMs, faults, load, failedBound: CONNECTIONS,
      notes: [`a connection opened right after the kill was answered after ${Math.round(backMs)} ms (queued in the backlog)`],
    };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

export async function manyRestarts(setup: FaultSetup, processes: number, restarts: number, budgetMs: number): Promise<FaultResult> {
  const r = await superviseWeb({ ...setup, processes, extra: NO_FLAPPING });
  const sup = r.proc.child.pid!;
  try {
    const up = () => waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    await up();
    const fdsBefore = await settledFdCount(sup);
    const rssBeforeKb = rssKb(sup);
    const t0 = performance.now();
    let done = 0;
    while (done < restarts && performance.now() - t0 < budgetMs) {
      const pids = await runningPids(r, 'web');
      for (const p of pids.slice(0, restarts - done)) process.kill(p, 'SIGKILL');
      done += Math.min(pids.length, restarts - done);
      await up();
    }
    const load = await startLoad(targetOf(r.sockets.get('web')!), { connections: 4, durationMs: 1000, keepAlive: true }).done;
    const notes = done < restarts ? [`stopped at ${done} restarts: the ${budgetMs / 1000} s budget ran out`] : [];
    return {
      scenario: `${restarts} worker restarts (SIGKILL, respawn, READY)`, backend: setupLabel(setup), processes, durationMs: performance.now() - t0, faults: done, load,
      supervisor: { fdsBefore, fdsAfter: await settledFdCount(sup), rssBeforeKb, rssAfterKb: rssKb(sup) }, notes,
    };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

/** Watchers whose app crashes at start or after its first request, beside a healthy one under load. */
export async function crashLoop(setup: FaultSetup, durationMs: number): Promise<FaultResult & { crashStates: Record<string, string> }> {
  // Two crashes within 10 s, not Circus's 1 s: on a loaded CI machine a worker takes most of a
  // second to start and crash, so two of them rarely fit in one second and the watcher never flaps.
  const flap = 'flapping.attempts = 2\nflapping.window = 10\nflapping.retry_in = 0.5\nflapping.max_retry = 1\n';
  const crashAtStart = `[watcher:crash-start]
cmd = circus-worker --fd $(circus.sockets.crash) --backend ${setup.backend} ${UWS_MODULE_FLAG} ${path.join(ROOT, 'test/fixtures/chaos/crash-at-start.mjs')}
use_sockets = True
numprocesses = 1
${flap}`;
  const crashAfterFirst = `[watcher:crash-after]
cmd = circus-worker --fd $(circus.sockets.crash) --backend ${setup.backend} ${UWS_MODULE_FLAG} ${path.join(ROOT, 'test/fixtures/chaos/crash-after-first.mjs')}
use_sockets = True
numprocesses = 1
${flap}`;
  const r = await superviseWeb({ ...setup, processes: 2 }, crashAtStart + crashAfterFirst, ['web', 'crash']);
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === 2, 'web workers up', 30000);
    const crashTarget = targetOf(r.sockets.get('crash')!);
    const stopped = async () => {
      const states: Record<string, string> = {};
      for (const w of ['crash-start', 'crash-after']) states[w] = String((await r.ctl('status', { name: w })).status);
      return states;
    };
    let crashStates: Record<string, string> = {};
    const { faults, load } = await underLoad(r, durationMs, async () => {
      // Feed the crash-after watcher one request at a time until both crashing watchers stopped.
      let feeds = 0;
      await waitFor(async () => {
        crashStates = await stopped();
        if (Object.values(crashStates).every((s) => s === 'stopped')) return true;
        feeds++;
        await startLoad(crashTarget, { connections: 1, durationMs: 300, maxRequests: 1, keepAlive: false, timeoutMs: 300 }).done;
        return false;
      }, 'the crashing watchers to be stopped by flapping detection', durationMs - 1000, 200);
      return feeds;
    }, true, true);
    crashStates = await stopped();
    const webStatus = String((await r.ctl('status', { name: 'web' })).status);
    return {
      scenario: 'crash-looping apps (exit at start / after the first request) beside a healthy watcher', backend: setupLabel(setup), processes: 2, durationMs, faults, load,
      failedBound: 0, crashStates, notes: [`crash watchers: ${JSON.stringify(crashStates)}; web: ${webStatus}; supervisor alive: ${r.proc.child.exitCode === null}`],
    };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

/** stdout_stream on /dev/full (every write fails ENOSPC): logged, supervision and serving go on. */
export async function unwritableStream(setup: FaultSetup, durationMs: number): Promise<FaultResult & { logged: boolean; respawned: boolean }> {
  const extra = `stdout_stream.class = FileStream\nstdout_stream.filename = /dev/full\n${NO_FLAPPING}`;
  const r = await superviseWeb({ ...setup, processes: 2, extra, workerArgs: '--access-log' });
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === 2, 'workers up', 30000);
    let respawned = false;
    const { faults, load } = await underLoad(r, durationMs, async () => {
      await new Promise((res) => setTimeout(res, durationMs / 3));
      const [victim] = await runningPids(r, 'web');
      process.kill(victim, 'SIGKILL');
      await waitFor(async () => {
        const pids = await runningPids(r, 'web');
        return pids.length === 2 && !pids.includes(victim);
      }, 'a respawn', 20000);
      respawned = true;
      return 1;
    });
    const logged = /\/dev\/full/.test(r.proc.stderr());
    return {
      scenario: 'stdout_stream file unwritable (/dev/full: ENOSPC)', backend: setupLabel(setup), processes: 2, durationMs, faults, load, failedBound: CONNECTIONS,
      logged, respawned, notes: [`error logged: ${logged}; worker respawned: ${respawned}; supervisor answers status: ${(await r.ctl('status')).status}`],
    };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}

const KILLED = /web: process (\d+) missed its heartbeat/g;

/** A worker's event loop blocked for good (GET /pid?spin=3600000: an hour) every `everyMs`, under load: the watchdog
 * (`timeout`) kills it and the watcher replaces it while the other workers serve. */
export async function hungWorkers(setup: FaultSetup, processes: number, durationMs: number, everyMs: number, timeoutS = 2): Promise<FaultResult & { detectedMs: number[]; replacedMs: number[] }> {
  const r = await superviseWeb({ ...setup, processes, extra: `timeout = ${timeoutS}\n${NO_FLAPPING}` });
  const kills = () => [...r.proc.stderr().matchAll(KILLED)].map((m) => Number(m[1]));
  try {
    await waitFor(async () => (await runningPids(r, 'web')).length === processes, 'workers up', 30000);
    const detectedMs: number[] = [];
    const replacedMs: number[] = [];
    const { faults, load } = await underLoad(r, durationMs, () =>
      every(everyMs, durationMs - 500, async () => {
        const before = kills().length;
        const t0 = performance.now();
        void request(r.sockets.get('web')!, '/pid?spin=3600000', { timeoutMs: 60000 }).catch(() => {});
        const victim = await waitFor(() => kills()[before], 'the watchdog to kill the blocked worker', (timeoutS + 10) * 1000);
        detectedMs.push(performance.now() - t0);
        await waitFor(async () => {
          const pids = await runningPids(r, 'web');
          return pids.length === processes && !pids.includes(victim);
        }, 'a replacement to be READY', 30000);
        replacedMs.push(performance.now() - t0);
      }),
    );
    const span = (ms: number[]) => (ms.length ? `${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))} ms` : 'never');
    return {
      scenario: `an event loop blocked every ${everyMs / 1000} s (a request that spins), timeout = ${timeoutS}`, backend: setupLabel(setup), processes, durationMs, faults, load,
      failedBound: faults * CONNECTIONS, detectedMs, replacedMs,
      notes: [`killed ${span(detectedMs)} after the blocking request, replacement READY after ${span(replacedMs)}`],
    };
  } finally {
    r.proc.child.kill('SIGKILL');
  }
}
