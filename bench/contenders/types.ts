// What the suite needs from each contender: start it, find its processes, stop it.
import type { Scenario } from '../scenarios.js';

export interface BenchContext {
  /** Repository root (where build/ and bench/ live). */
  root: string;
  workers: number;
  /** taskset CPU list for every server process, or undefined for no pinning. */
  serverCpus?: string;
  /** A private temporary directory for configs, sockets and PM2_HOME; removed at the end. */
  tmpDir: string;
  fetchApp: 'hono' | 'plain';
  /** circus-worker serves the compiled .js app (like every other contender) or the .ts source. */
  circusApp: 'js' | 'ts';
  /** Run circus-worker under circus-supervisor when it is built (otherwise the bench spawns the workers). */
  supervisor: boolean;
  /** The worker's --uws-module (also in the environment as CIRCUS_UWS_MODULE for every process the bench starts). */
  uwsModule?: string;
}

export interface Running {
  /** Base URL, e.g. http://127.0.0.1:4321 */
  url: string;
  /** Workers that said they are ready, when the contender prints such lines; otherwise undefined. */
  readyCount(): number | undefined;
  /**
   * All server processes (supervisor/primary/daemon and helpers included), and the worker
   * processes themselves (a worker's own helper processes count in `all` only).
   */
  pids(): { all: number[]; workers: number[] };
  alive(): boolean;
  output(): string;
  stop(): Promise<void>;
  /** Something the report should mention about how it ran (backend picked, mode, …). */
  note?: string;
}

export interface Contender {
  id: string;
  label: string;
  /** Why it cannot run on this machine, or undefined when it can. */
  unavailable(ctx: BenchContext): string | undefined;
  /** Untimed checks before start (e.g. can this backend load at all); throws UnavailableError. */
  prepare?(ctx: BenchContext): Promise<void>;
  start(ctx: BenchContext): Promise<Running>;
  /** Why this contender does not take part in a scenario, if it doesn't. */
  skips?(scenario: Scenario): string | undefined;
  /**
   * The shell command (run from the repository root) that starts the same server by hand, in the
   * foreground, with one worker on 127.0.0.1:`port`; undefined when there is none (see byHandWhyNot).
   */
  byHand?(ctx: BenchContext, port: number | string): string;
  /** Removes what the by-hand command left behind (its config directory). */
  afterByHand?(port: number | string): void;
  /** Why there is no by-hand command, when byHand is missing. */
  byHandWhyNot?: string;
}

/** Thrown by start() when a contender turns out not to be able to run (e.g. no uWS build). */
export class UnavailableError extends Error {
  readonly code = 'CONTENDER_UNAVAILABLE';
}
