#!/usr/bin/env node
// circus-supervisor <config.ini>: the only place that calls process.exit.
// Exit codes: 0 stopped cleanly, 1 internal error, 2 bad config or usage, 3 socket bind error,
// 4 control endpoint error, 5 stopped by force (second signal).
import { Command, CommanderError } from 'commander';
import { Arbiter } from './arbiter.js';
import { loadConfig } from './config.js';
import { ControlServer } from './control.js';
import { dispatch } from './commands.js';
import type { CircusConfig } from './config-types.js';
import { health } from './health.js';
import { HttpEndpoint, json } from './http-endpoint.js';
import { EXIT, SupervisorError } from './errors.js';
import { log, setLogLevel } from './log.js';
import { closeInheritedOnExec } from './inherited-fds.js';
import { installSignalHandlers } from './signals.js';
import { notify } from '../sys/notify.js';
import { followNpmLauncher } from '../sys/npm-launcher.js';
import { packageVersion } from '../sys/package-version.js';
import { metricsRoute } from './metrics/exposition.js';

function fail(err: unknown): never {
  if (err instanceof SupervisorError) {
    process.stderr.write(`circus-supervisor: error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`circus-supervisor: internal error: ${(err as Error)?.stack ?? err}\n`);
  process.exit(EXIT.INTERNAL);
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('circus-supervisor')
    .version(packageVersion(), '-V, --version')
    .description('Bind the sockets of a Circus-style INI file and keep its watchers running')
    .argument('<config>', 'Circus INI file')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--check', 'validate the configuration and exit (0 = valid, 2 = invalid)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(`circus-supervisor: ${s}`) });
  try {
    program.parse(argv);
  } catch (err) {
    const e = err as CommanderError;
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.OK : EXIT.CONFIG;
  }
  const opts = program.opts<{ logLevel: string; check?: boolean }>();
  // Before any child exists: nothing we inherited may reach the workers.
  closeInheritedOnExec();
  const config = loadConfig(program.args[0]);
  if (!setLogLevel(config.loglevel && opts.logLevel === 'info' ? config.loglevel : opts.logLevel)) {
    process.stderr.write(`circus-supervisor: error: unknown log level "${opts.logLevel}"\n`);
    return EXIT.CONFIG;
  }
  config.warnings.forEach((w) => log.warn(w));
  if (opts.check) {
    process.stdout.write(`${config.file}: OK (${config.sockets.size} sockets, ${config.watchers.size} watchers)\n`);
    return EXIT.OK;
  }
  if (config.umask !== undefined) process.umask(config.umask);
  const arbiter = new Arbiter(config);
  const control = new ControlServer(arbiter, config.endpoint);
  const web = config.metricsEndpoint ? httpEndpoint(arbiter, config.metricsEndpoint) : undefined;
  const closeEndpoints = async () => void (await Promise.all([control.close(), web?.close()]));
  arbiter.onStopped = closeEndpoints;
  await control.listen();
  try {
    // Before the watchers start: a load balancer sees 503 (not refused) until a worker is READY.
    await web?.listen();
    await arbiter.start();
  } catch (err) {
    arbiter.sockets.closeAll();
    await closeEndpoints();
    throw err;
  }
  installSignalHandlers((i) => arbiter.enqueue(i));
  followNpmLauncher((npm) => {
    log.info(`${npm}, which started the supervisor, exited: stopping`);
    arbiter.enqueue('stop');
  });
  const sockets = arbiter.sockets.summary();
  log.info(`ready: ${arbiter.watchers.size} watchers, sockets [${sockets}], endpoint ${control.address}`);
  notify('READY=1');
  const code = await arbiter.done;
  log.info(`stopped (exit ${code})`);
  return code;
}

/** [circus] metrics_endpoint: health for load balancers and the status body, over HTTP. */
function httpEndpoint(arbiter: Arbiter, endpoint: NonNullable<CircusConfig['metricsEndpoint']>): HttpEndpoint {
  return new HttpEndpoint(endpoint)
    .get('/health', () => health(arbiter))
    .get('/health/:watcher', ([name]) => health(arbiter, name))
    // What the control endpoint answers `status` with (circus-ctl status --json), minus id and time.
    .get('/status', async () => json(200, { status: 'ok', ...(await dispatch(arbiter, { command: 'status' })) }))
    .get('/metrics', metricsRoute(arbiter));
}

process.on('uncaughtException', fail);
main(process.argv).then((code) => process.exit(code), fail);
