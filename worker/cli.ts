#!/usr/bin/env node
// circus-worker: argv → a serving worker. The only place in the worker that calls process.exit.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dieWithParent } from '../sys/parent-death.js';
import { notify } from '../sys/notify.js';
import { READY } from '../sys/notify-protocol.js';
import { packageVersion } from '../sys/package-version.js';
import { chooseBackend, type BackendChoice } from './choose-backend.js';
import type { HandlerKind, RunningServer, WebSocketCloseTiming } from './contract.js';
import { EXIT_FAILURE, EXIT_USAGE, WorkerError } from './error-codes.js';
import { Health } from './health.js';
import { createLifecycle, heartbeatMs, startHeartbeat, STOP_SIGNALS, type Lifecycle } from './lifecycle.js';
import { LoopLag } from './loop-lag.js';
import { listenToSupervisor } from './supervisor-channel.js';
import { listenSpec, openListening } from './listen-target.js';
import { loadApp, parseAppSpec } from './load-app.js';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './log.js';
import { installFetchGlobals } from './fetch/globals.js';
import type { RedisTopics } from './pubsub/redis-topics.js';
import { REPORT_MS, RequestCounts, startReporting } from './metrics.js';
import { Requests } from './request-observer.js';
import type { TlsFlags } from './tls/config.js';
import { addTlsOptions, setupTls, tlsBackendChoice } from './tls/setup.js';
import { addWorkersFlags, announceStart, type WorkersFlags } from './workers-flags.js';

interface Flags extends TlsFlags {
  fd?: string;
  bind?: string;
  unix?: string;
  backend: BackendChoice;
  handler?: HandlerKind;
  gracefulTimeout: number;
  maxBody: number;
  maxRequests: number;
  maxRequestsJitter: number;
  idleTimeout: number;
  backlog: number;
  logLevel: LogLevel;
  accessLog: boolean;
  fastResponse: boolean;
  lazyRequest: boolean;
  uwsModule?: string;
  wsClose: WebSocketCloseTiming;
  healthPath?: string;
  stopDelay: number;
  pubsub?: string;
  pubsubPrefix: string;
  pubsubWait: number;
}

function number(flag: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${flag} must be a number >= ${min}`);
    return n;
  };
}

function bytes(value: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('--max-body must be a byte count such as 1048576, 512k or 10m');
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

/** --health-path: an absolute path without query or spaces (it is matched exactly). */
function healthPath(value: string): string {
  if (!/^\/[^\s?#]*$/.test(value)) throw new InvalidArgumentError('--health-path must be a path starting with / (no query, no spaces), e.g. /healthz');
  return value;
}

function program(): Command {
  const cmd = addTlsOptions(new Command('circus-worker'))
    .version(packageVersion(), '-V, --version')
    .description('Serve a fetch, node-style or uWS app on an inherited (or own) listening socket.')
    .argument('<app>', 'app module: file.{js,mjs,cjs,ts,mts}[:exportName] (default export otherwise)')
    .option('--fd <n>', 'serve an inherited listening socket (also fd://N)')
    .option('--bind <address>', 'bind it yourself: host:port, [v6]:port, fd://N or unix://PATH')
    .option('--unix <path>', 'bind a Unix socket yourself (also unix://PATH)')
    .addOption(new Option('--backend <name>', 'HTTP engine').choices(['auto', 'node', 'uws']).default('auto'))
    .addOption(new Option('--handler <kind>', 'override handler detection').choices(['fetch', 'node', 'uws']))
    .option('--graceful-timeout <seconds>', 'drain time before in-flight requests are cut', number('--graceful-timeout', 0), 30)
    .option('--health-path <path>', 'answer GET PATH with 200/503 and one line of JSON from the worker itself (never the app)', healthPath)
    .option('--stop-delay <seconds>', 'on a stop signal, keep serving this long with the health path answering 503, then drain', number('--stop-delay', 0), 0)
    .option('--max-body <bytes>', 'largest request body; larger gets 413 unread', bytes, 1024 * 1024)
    .option('--max-requests <n>', 'drain and exit 0 after this many requests (0 = never)', number('--max-requests', 0), 0)
    .option('--max-requests-jitter <n>', 'add random 0..n to --max-requests', number('--max-requests-jitter', 0), 0)
    .option('--idle-timeout <seconds>', 'close keep-alive connections idle this long, and clients slower than this to send headers', number('--idle-timeout', 1), 10)
    .option('--backlog <n>', 'listen backlog the node backend re-applies to the socket', number('--backlog', 1), 2048)
    .addOption(new Option('--log-level <level>', 'log verbosity').choices(LOG_LEVELS).default('info'))
    .option('--access-log', 'one line per request on stdout', false)
    .option('--no-fast-response', 'do not install the lightweight global Response for fetch handlers')
    .option('--no-lazy-request', 'hand fetch handlers undici\'s Request, built per request, and leave the Request global alone')
    .addOption(new Option('--ws-close <when>', 'when a drain closes open WebSockets with 1001: once no HTTP request is in flight, or at once').choices(['after-requests', 'at-once']).default('after-requests'))
    .option('--pubsub <url>', 'WebSocket topics reach every worker using this Redis (redis://host:port[/db], rediss://); env CIRCUS_PUBSUB_URL', process.env.CIRCUS_PUBSUB_URL || undefined)
    .option('--pubsub-prefix <prefix>', 'prefix of the broker channels, to keep apps sharing a Redis apart; env CIRCUS_PUBSUB_PREFIX', process.env.CIRCUS_PUBSUB_PREFIX ?? 'circus:')
    .option('--pubsub-wait <seconds>', 'refuse to start (exit 2) unless the broker answers within this time (0: start without it and keep retrying)', number('--pubsub-wait', 0), 0)
    .option('--uws-module <name>', 'module (name or path) to load uWebSockets.js from; env CIRCUS_UWS_MODULE', process.env.CIRCUS_UWS_MODULE || undefined)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(`circus-worker: ${s}`) });
  return addWorkersFlags(cmd);
}

/** Loads the app, picks the backend and opens the socket; nothing serves yet. */
async function prepare(flags: Flags, app: string, log: Logger) {
  const spec = listenSpec(flags, process.env, process.pid);
  if (spec.kind === 'fd' && spec.from === 'systemd') {
    // sd_listen_fds(1): the fds are ours; children the app starts must not think so too.
    delete process.env.LISTEN_FDS;
    delete process.env.LISTEN_PID;
    delete process.env.LISTEN_FDNAMES;
  }
  const fetchGlobals = installFetchGlobals(flags);
  const appSpec = parseAppSpec(app, process.cwd());
  const handler = await loadApp(appSpec, flags.handler, log);
  if (handler.kind !== 'fetch') fetchGlobals.undo();
  const tls = setupTls(flags, process.env, log);
  const backend = await chooseBackend(tlsBackendChoice(flags.backend, handler.kind, tls, log), handler.kind, log, flags.uwsModule, [path.dirname(appSpec.file), process.cwd()]);
  const listening = await openListening(spec);
  return { fetchGlobals, handler, backend, listening, tls };
}

/** The per-request observer: --max-requests, the supervisor's metrics, the access log. */
function observeRequests(flags: Flags, log: Logger): { requests: Requests; meter?: RequestCounts } {
  // Counted only for a supervisor that collects the reports (its pipe is CIRCUS_NOTIFY_FD).
  const meter = Number(process.env.CIRCUS_NOTIFY_FD) > 2 ? new RequestCounts() : undefined;
  const limit = flags.maxRequests > 0 ? flags.maxRequests + Math.floor(Math.random() * (flags.maxRequestsJitter + 1)) : 0;
  return { requests: new Requests({ limit, meter, log, accessLog: flags.accessLog }), meter };
}

/** Every way the worker is told to stop, into one lifecycle. */
function stopOnRequest(life: Lifecycle, requests: Requests, flags: Flags, health: Health, log: Logger): void {
  requests.exhausted.then((n) => life.stop(`served ${n} requests (--max-requests)`));
  for (const sig of STOP_SIGNALS) process.on(sig, () => life.signal(sig));
  listenToSupervisor(process.env, log, () => {
    if (health.state === 'serving' && flags.healthPath) log.info(`the supervisor is stopping: ${flags.healthPath} answers 503 from now on; still serving`);
    health.enter('stopping');
  });
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception outside any request; draining and exiting 1 so the supervisor starts a fresh worker', err);
    life.stop('uncaught exception', EXIT_FAILURE);
  });
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection (worker keeps serving)', reason));
  const parentPid = Number(process.env.CIRCUS_PARENT_PID) || undefined;
  dieWithParent(os.constants.signals.SIGTERM, parentPid, () => life.stop('parent exited'));
}

/**
 * The heartbeat (and systemd's watchdog); for a supervisor that collects them (`meter`), metrics
 * reports too. Both read one event-loop delay sampler. Returns a function that sends a last report.
 */
function startReports(meter: RequestCounts | undefined, server: RunningServer, pubsub?: RedisTopics): () => void {
  const lag = meter && new LoopLag(Math.max(heartbeatMs(), REPORT_MS));
  const stopBeats = startHeartbeat(lag);
  const stopReporting = meter && lag && startReporting(meter, lag, () => server.webSockets(), process.env, REPORT_MS, pubsub && (() => ({ pubsub: pubsub.counts() })));
  return () => {
    stopBeats();
    stopReporting?.();
    lag?.stop();
  };
}

async function main(argv: string[]): Promise<number> {
  // A log reader that went away (closed pipe: EPIPE) must neither kill the worker nor make it
  // spin logging its own write errors; lines that cannot be delivered are dropped.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const cmd = program();
  cmd.parse(argv);
  const flags = cmd.opts<Flags & WorkersFlags>();
  if (flags.workers !== undefined || flags.reload) {
    // One command for N workers: this process becomes their supervisor (loaded only then).
    const { runWorkers } = await import('./workers-mode.js');
    return runWorkers({ cmd, argv, cliPath: fileURLToPath(import.meta.url) });
  }
  const log = createLogger(flags.logLevel, flags.accessLog);
  const { fetchGlobals, handler, backend, listening, tls } = await prepare(flags, cmd.args[0], log);

  // Loaded only with --pubsub: a worker without it carries none of the broker code.
  const pubsub = flags.pubsub ? await (await import('./pubsub/start.js')).startPubSub(flags.pubsub, flags.pubsubPrefix, flags.pubsubWait, log) : undefined;
  const health = new Health(pubsub && (() => ({ pubsub: pubsub.snapshot() })));
  const { requests, meter } = observeRequests(flags, log);
  const server = await backend.serve(handler, {
    listen: listening.listen,
    maxBody: flags.maxBody,
    idleTimeoutMs: flags.idleTimeout * 1000,
    backlog: flags.backlog,
    log,
    lazyRequest: flags.lazyRequest,
    webSocketClose: flags.wsClose,
    health: flags.healthPath ? health.on(flags.healthPath) : undefined,
    tls: tls?.serving,
    pubsub,
    requests,
  });
  const life = createLifecycle(server, { gracefulTimeoutMs: flags.gracefulTimeout * 1000, stopDelayMs: flags.stopDelay * 1000, health, log });
  stopOnRequest(life, requests, flags, health, log);

  // The start line is printed whatever the log level: supervisors and people look for it.
  const startLine = `circus-worker[${process.pid}] serving ${tls ? 'https://' : ''}${listening.listen.label} (${listening.from}) backend=${backend.name}${backend.build ? ` build=${backend.build}` : ''} handler=${handler.kind}` +
    (handler.kind === 'fetch' ? ` ${fetchGlobals.announce}` : '');
  announceStart(startLine);
  // The same line as STATUS=: circus-ctl status, systemctl status and a --workers parent show it.
  notify(`STATUS=${startLine}`);
  const stopWatching = tls?.watch();
  notify(READY);
  const stopReports = startReports(meter, server, pubsub);
  const code = await life.done;
  stopReports();
  pubsub?.close();
  stopWatching?.();
  listening.cleanup();
  return code;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else commander rejects is usage.
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    if (err instanceof WorkerError) {
      process.stderr.write(`circus-worker: error: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`circus-worker: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
