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

export interface Measurement {
  round: number;
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

export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  interrupted: boolean;
  machine: MachineInfo;
  options: BenchOptions;
  baseline: string;
  contenders: ContenderRecord[];
  measurements: Measurement[];
}
