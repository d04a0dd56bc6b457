// The validated, typed configuration the rest of the supervisor works from.
import type { Endpoint } from '../endpoint.js';

export interface SocketConfig {
  name: string;
  family: 'AF_INET' | 'AF_INET6' | 'AF_UNIX';
  host: string;
  port: number;
  path?: string;
  backlog: number;
  reuseport: boolean;
  replace: boolean;
  interface?: string;
  blocking: boolean;
  /** Unix socket file: permissions = 0o777 & ~umask. */
  umask?: number;
  file: string;
  /** An inherited listening fd to adopt instead of binding (`circus-worker --workers N --fd M`). */
  fd?: number;
}

export interface StreamConfig {
  /** inherit: the supervisor's own stdout/stderr; null: discarded; file: FileStream with size rotation. */
  kind: 'inherit' | 'null' | 'stdout' | 'fancy' | 'file';
  filename?: string;
  maxBytes: number;
  backupCount: number;
}

export interface FlappingConfig {
  attempts: number;
  window: number;
  retryIn: number;
  maxRetry: number;
}

export interface WatcherConfig {
  name: string;
  file: string;
  cmd: string;
  args: string;
  shell: boolean;
  numprocesses: number;
  useSockets: boolean;
  /** Sockets this watcher's children receive, in child fd order (3, 4, …). */
  sockets: string[];
  warmupDelay: number;
  workingDir?: string;
  copyEnv: boolean;
  copyPath: boolean;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  stopSignal: NodeJS.Signals;
  gracefulTimeout: number;
  respawn: boolean;
  maxAge: number;
  maxAgeVariance: number;
  singleton: boolean;
  autostart: boolean;
  priority: number;
  closeStdin: boolean;
  stdout: StreamConfig;
  stderr: StreamConfig;
  /** auto: wait for READY=1 once this watcher's children have been seen sending it. */
  notify: 'auto' | 'yes' | 'no';
  readyTimeout: number;
  /** Seconds a READY process may go without a heartbeat before it is killed (0 = off). */
  timeout: number;
  flapping: FlappingConfig;
}

export interface CircusConfig {
  /** The INI file it was read from; undefined for a configuration built in memory (no reloadconfig). */
  file?: string;
  /** The INI file and the files it includes, in the order read. */
  files: string[];
  endpoint: Endpoint;
  /** [circus] metrics_endpoint: the HTTP endpoint (health, status), TCP only. */
  metricsEndpoint?: Extract<Endpoint, { kind: 'tcp' }>;
  /** [circus] stop_delay, seconds of lame duck before a stop. */
  stopDelay: number;
  warmupDelay: number;
  umask?: number;
  pidfile?: string;
  loglevel?: string;
  sockets: Map<string, SocketConfig>;
  watchers: Map<string, WatcherConfig>;
  /** Options accepted for Circus compatibility that do nothing here; logged at startup. */
  warnings: string[];
}
