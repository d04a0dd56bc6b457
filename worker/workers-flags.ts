// The flags of the one-command mode (`circus-worker --workers N …`). Declared apart from the mode
// itself, so a single worker's start loads none of the supervisor (workers-mode.ts is imported
// only when one of these flags is given).
import os from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { isLoopback, parseEndpoint, type Endpoint } from '../supervisor/endpoint.js';

/** Most workers one command may run (the supervisor's own limit per watcher). */
const MAX_WORKERS = 10000;

export interface WorkersFlags {
  workers?: number;
  reload?: boolean;
  control?: Endpoint;
  metricsEndpoint?: Extract<Endpoint, { kind: 'tcp' }>;
}

/** `-w 4`, `--workers auto` (= os.availableParallelism()). */
function workerCount(value: string): number {
  if (value.trim().toLowerCase() === 'auto') return os.availableParallelism();
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw new InvalidArgumentError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto (${os.availableParallelism()} here)`);
  }
  return Number(value);
}

/** Loopback or a Unix socket only: neither endpoint has authentication. */
function endpoint(flag: string, tcpOnly: boolean) {
  return (value: string): Endpoint => {
    const ep = parseEndpoint(value);
    if (typeof ep === 'string') throw new InvalidArgumentError(`${flag}: ${ep}`);
    if (tcpOnly && ep.kind !== 'tcp') throw new InvalidArgumentError(`${flag} must be tcp://HOST:PORT`);
    if (ep.kind === 'tcp' && !isLoopback(ep.host)) throw new InvalidArgumentError(`${flag} must be on loopback (it has no authentication); use circus-supervisor to expose it on purpose`);
    return ep;
  };
}

export function addWorkersFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('-w, --workers <n>', 'run N workers on one socket under the built-in supervisor (auto = one per CPU); needs --bind, --unix or --fd').argParser(workerCount))
    .option('--reload', 'development: roll the workers when a file under the app\'s folder changes (not node_modules or dot-folders); implies --workers 1 unless given')
    .option('--control <endpoint>', 'with --workers: a circus-ctl control endpoint, tcp://127.0.0.1:PORT or unix://PATH (none by default)', endpoint('--control', false))
    .option('--metrics-endpoint <endpoint>', 'with --workers: HTTP /health, /status and /metrics on tcp://127.0.0.1:PORT (none by default)', endpoint('--metrics-endpoint', true));
}

/** Options the one-command mode consumes; the rest go to every worker unchanged. */
export const PARENT_ONLY = new Set(['--workers', '--reload', '--control', '--metrics-endpoint', '--bind', '--unix', '--fd']);

/**
 * A worker's start line, printed whatever the log level (it also goes up as STATUS=, cli.ts).
 * Under `--workers` the parent sets CIRCUS_START_LINE=status: it prints one line for all of
 * them from their STATUS=, so theirs is not printed.
 */
export function announceStart(line: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.CIRCUS_START_LINE !== 'status') process.stderr.write(`${line}\n`);
}
