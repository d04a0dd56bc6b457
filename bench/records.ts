// The raw data of one run, as written to the JSON file.
import type { LoadResult } from './load/types.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import type { ScenarioId } from './scenarios.js';

export interface ContenderRecord {
  id: string;
  label: string;
  status: 'ran' | 'unavailable' | 'failed';
  reason?: string;
  note?: string;
  startupMs?: number;
  /** Fresh instances started for later rounds (--restart). */
  restarts?: number;
  workerCount?: number;
  idleRssPerWorkerMB?: number;
  idleRssTotalMB?: number;
  endRssPerWorkerMB?: number;
  endRssTotalMB?: number;
  /** HTTP behaviour worth knowing that the checks found (e.g. ignoring Connection: close). */
  protocolNotes?: string[];
  /** Scenario → why this contender does not take part (skipped or wrong response). */
  excluded: Partial<Record<ScenarioId, string>>;
}

/**
 * Other processes using this much CPU (in cores) during a measurement, or the hypervisor stealing
 * it (both count, summed), make it noisy. On this VM the host stole 0.3-0.85 of a core per CPU
 * under load on some days and none on others; a figure taken then says nothing about the server.
 */
export const NOISY_OTHER_CORES = 0.25;

/** CPU taken from the measurement by everything else: other processes plus hypervisor steal, in cores. */
export function noiseCores(m: { otherCores: number; stealCores?: number }): number {
  return m.otherCores + (m.stealCores ?? 0);
}

export interface Measurement {
  round: number;
  /** Tries it took (a noisy one is measured again, see --retries); this is the last. */
  attempts: number;
  contender: string;
  scenario: ScenarioId;
  connections: number;
  result: LoadResult;
  /** CPU used by all the contender's processes during the measurement, in cores. */
  serverCores: number;
  /** CPU used meanwhile by everything else on the machine (not generator, not this contender), in cores. */
  otherCores: number;
  /** CPU time the hypervisor stole meanwhile, in cores. */
  stealCores: number;
}

/** One by-hand command measured against the bench's own start of the same contender. */
export interface CrossCheck {
  contender: string;
  scenario: ScenarioId;
  connections: number;
  server: string;
  wrk: string;
  /** Medians over the same rounds, alternating bench way and by hand, contender after contender. */
  benchRps: number;
  byHandRps: number;
  /**
   * Per round in which both were measured, so benchRounds[i] and byHandRounds[i] are one
   * back-to-back pair (records before 2 Dec 2026 kept each side's rounds on its own).
   */
  benchRounds: number[];
  byHandRounds: number[];
  /** (bench - by hand) / by hand. */
  difference: number;
  /** Median CPU share of other processes during the by-hand runs, in cores. */
  otherCores: number;
  /** Median CPU time stolen by the hypervisor during the by-hand runs, in cores (older records lack it). */
  stealCores?: number;
}

export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  interrupted: boolean;
  machine: MachineInfo;
  options: BenchOptions;
  baseline: string;
  /** Worker processes per contender in this pass (1 = per core). */
  workers: number;
  contenders: ContenderRecord[];
  measurements: Measurement[];
}

/** A whole `npm run bench`: one pass per worker count, the cross-check, the by-hand commands. */
export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  interrupted: boolean;
  passes: RunRecord[];
  crossChecks?: CrossCheck[];
  byHand: Array<{ id: string; server?: string; why?: string; wrk: string[] }>;
}
