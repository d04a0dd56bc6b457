// When a reliability scenario passes: one function per scenario, shared by npm run chaos (one
// report row each) and the short versions in npm test (test/reliability), so the two can never
// judge the same run differently. Each returns what is wrong; an empty list is a pass.
import type { RawResult } from '../helpers/raw.js';
import type { HostileCase } from './scenarios/hostile-requests.js';
import type { IdleFloodResult } from './scenarios/idle-flood.js';
import type { FuzzResult } from './scenarios/fuzz.js';
import type { OverLimitResult, SlowLorisResult, StalledReaderResult } from './scenarios/slow-clients.js';
import type { FaultResult } from './scenarios/supervisor-faults.js';

const MiB = 2 ** 20;

/** A hostile request costs its own connection: one acceptable answer or an allowed close, then closed by the server. */
export function hostileProblem(c: HostileCase, r: RawResult, deadlineMs: number): string | undefined {
  if (!r.closedByServer) return `connection still open after ${deadlineMs} ms (no answer, no close)`;
  if (r.statuses.length > 1) return `${r.statuses.length} responses (${r.statuses.join(', ')}): a second request got through`;
  if (r.statuses.length === 0) return c.closeOk ? undefined : `closed without the expected ${c.accept.join('/')} response`;
  if (!c.accept.includes(r.statuses[0])) return `answered ${r.statuses[0]}, expected ${c.accept.join('/')}${c.closeOk ? ' or a close' : ''}`;
  return undefined;
}

/** Paths of hostile requests that reached the app, from its /seen counts. */
export function leakedMarkers(cases: HostileCase[], seen: Record<string, number>): string[] {
  return cases.flatMap((c) => c.markers.filter((m) => seen[m]).map((m) => `${c.name} → ${m.slice(0, 40)}`));
}

/** Under a fault, nobody is refused and at most the requests in flight on killed workers fail. */
export function servedProblems(r: FaultResult): string[] {
  const bound = r.failedBound ?? 0;
  return [
    ...(r.load.refused === 0 ? [] : [`${r.load.refused} refused`]),
    ...(r.load.failed <= bound ? [] : [`${r.load.failed} failed (bound ${bound})`]),
    ...(r.load.ok > 0 ? [] : ['nothing served']),
  ];
}

/** Many restarts leave the supervisor with the same fds, RSS grown less than 30 MB, and nothing failed. */
export function restartProblems(r: FaultResult, restarts: number): string[] {
  const sup = r.supervisor!;
  return [
    ...(r.faults === restarts ? [] : [`only ${r.faults} of ${restarts} restarts`]),
    ...(sup.fdsAfter === sup.fdsBefore ? [] : [`supervisor fds ${sup.fdsBefore} → ${sup.fdsAfter}`]),
    ...(sup.rssAfterKb - sup.rssBeforeKb < 30 * 1024 ? [] : [`supervisor RSS ${sup.rssBeforeKb} → ${sup.rssAfterKb} kB`]),
    ...(r.load.failed + r.load.refused === 0 ? [] : [`${r.load.failed} failed and ${r.load.refused} refused after the restarts`]),
  ];
}

export function crashLoopProblems(r: FaultResult & { crashStates: Record<string, string> }): string[] {
  const stopped = r.crashStates['crash-start'] === 'stopped' && r.crashStates['crash-after'] === 'stopped';
  return [...servedProblems(r), ...(stopped ? [] : [`crash watchers ${JSON.stringify(r.crashStates)}, expected both stopped`])];
}

/** Hung workers: each one killed by the watchdog, each replacement READY within timeout + 2 s. */
export function hungWorkerProblems(r: FaultResult & { detectedMs: number[]; replacedMs: number[] }, timeoutS: number): string[] {
  const slowest = Math.max(0, ...r.replacedMs);
  return [
    ...servedProblems(r),
    ...(r.faults > 0 && r.detectedMs.length === r.faults ? [] : [`${r.detectedMs.length} of ${r.faults} blocked workers killed`]),
    ...(slowest <= (timeoutS + 2) * 1000 ? [] : [`a replacement took ${Math.round(slowest)} ms (timeout + 2 s = ${(timeoutS + 2) * 1000})`]),
  ];
}

export function unwritableStreamProblems(r: FaultResult & { logged: boolean; respawned: boolean }): string[] {
  return [...servedProblems(r), ...(r.logged ? [] : ['no error about /dev/full in the supervisor log']), ...(r.respawned ? [] : ['no respawn'])];
}

/** How long a slow-loris client may stay: its first byte, the idle timeout, 2 s for timers on a loaded machine. */
export function slowLorisBoundMs(byteIntervalMs: number, idleTimeoutS: number): number {
  return byteIntervalMs + idleTimeoutS * 1000 + 2000;
}

/**
 * Slow-loris clients are all closed within `boundMs` (answered 408, 400 or 431, or not at all)
 * while good requests keep being served.
 */
export function slowLorisProblems(r: SlowLorisResult, boundMs: number): string[] {
  const slowest = Math.max(0, ...r.closedAfterMs);
  const odd = r.statuses.filter((s) => s !== 408 && s !== 400 && s !== 431);
  return [
    ...(r.stillOpen === 0 ? [] : [`${r.stillOpen} of ${r.connections} slow connections still open at the deadline`]),
    ...(slowest <= boundMs ? [] : [`slowest slow-loris connection closed after ${Math.round(slowest)} ms, bound ${boundMs} ms`]),
    ...(odd.length === 0 ? [] : [`answered ${odd.join(',')}`]),
    ...(r.goodSent > 0 && r.goodOk === r.goodSent ? [] : [`good requests meanwhile: ${r.goodOk}/${r.goodSent}`]),
  ];
}

export function stalledBodyProblems(closedAfterMs: number | undefined, boundMs: number): string[] {
  return closedAfterMs !== undefined && closedAfterMs <= boundMs ? [] : [`closed after ${closedAfterMs === undefined ? 'never' : Math.round(closedAfterMs)} ms, bound ${boundMs} ms`];
}

/** A chunked body over --max-body gets 413 while it arrives (before 16 MiB), and is not buffered. */
export function chunkedOverLimitProblems(r: OverLimitResult): string[] {
  if (r.status !== 413) return [`no 413 (status ${r.status}) after sending ${r.totalIfUnanswered} bytes`];
  return [
    ...(r.sentWhenAnswered < 16 * MiB ? [] : [`413 came only after ${r.sentWhenAnswered} bytes`]),
    ...(r.rssAfterKb - r.rssBeforeKb < 48 * 1024 ? [] : [`RSS grew ${r.rssBeforeKb} → ${r.rssAfterKb} kB`]),
  ];
}

/** A reader that stops costs bounded production and memory, and others are served meanwhile. */
export function stalledReaderProblems(r: StalledReaderResult): string[] {
  return [
    ...(r.servedMeanwhile ? [] : ['a good request was not served while the reader stalled']),
    ...(r.producedMb < 64 ? [] : [`the app produced ${r.producedMb.toFixed(1)} MiB for a reader that stopped after ${r.receivedMb.toFixed(2)} MiB`]),
    ...(r.rssAfterKb - r.rssBeforeKb < 96 * 1024 ? [] : [`RSS grew ${r.rssBeforeKb} → ${r.rssAfterKb} kB`]),
  ];
}

export function idleFloodProblems(r: IdleFloodResult): string[] {
  return [
    ...(r.failedToConnect === 0 ? [] : [`${r.failedToConnect} failed to connect`]),
    ...(r.goodStatus === 200 && r.goodMs < 5000 ? [] : [`the good request got ${r.goodStatus} after ${Math.round(r.goodMs)} ms`]),
  ];
}

export function fuzzProblems(r: FuzzResult): string[] {
  return [...(r.failure === undefined ? [] : [r.failure]), ...(r.batches >= 3 ? [] : [`only ${r.batches} batches ran`])];
}

/** An oversized control message is cut before 16 MiB of it was read. */
export function oversizedProblems(o: { closedAfterBytes: number | undefined }): string[] {
  return o.closedAfterBytes !== undefined && o.closedAfterBytes < 16 * MiB ? [] : [`still reading after ${o.closedAfterBytes} bytes`];
}

/** During a flood of idle control connections, status is still answered within 5 s. */
export function statusDuringFloodProblems(status: unknown, statusMs: number): string[] {
  return status === 'ok' && statusMs < 5000 ? [] : [`status during the flood: ${String(status)} in ${Math.round(statusMs)} ms`];
}
