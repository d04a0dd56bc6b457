#!/usr/bin/env node
// circus-supervisor <config.ini>: the only place that calls process.exit.
// Exit codes: 0 stopped cleanly, 1 internal error, 2 bad config or usage, 3 socket bind error,
// 4 control endpoint error, 5 stopped by force (second signal).
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config/load-config.js';
import { EXIT, SupervisorError } from './errors.js';
import { log, setLogLevel } from './log.js';
import { installSignalHandlers } from './signals.js';
import { closeInheritedOnExec } from './sockets/inherited-fds.js';
import { startSupervisor } from './start.js';
import { notify } from '../sys/notify.js';
import { followNpmLauncher } from '../sys/npm-launcher.js';
import { packageVersion } from '../sys/package-version.js';

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
  const file = program.args[0];
  const config = loadConfig(file);
  if (!setLogLevel(config.loglevel && opts.logLevel === 'info' ? config.loglevel : opts.logLevel)) {
    process.stderr.write(`circus-supervisor: error: unknown log level "${opts.logLevel}"\n`);
    return EXIT.CONFIG;
  }
  config.warnings.forEach((w) => log.warn(w));
  if (opts.check) {
    process.stdout.write(`${config.file ?? file}: OK (${config.sockets.size} sockets, ${config.watchers.size} watchers)\n`);
    return EXIT.OK;
  }
  const { arbiter, controlAddress } = await startSupervisor(config);
  installSignalHandlers((i) => arbiter.enqueue(i));
  followNpmLauncher((npm) => {
    log.info(`${npm}, which started the supervisor, exited: stopping`);
    arbiter.enqueue('stop');
  });
  const sockets = arbiter.sockets.summary();
  log.info(`ready: ${arbiter.watchers.size} watchers, sockets [${sockets}], endpoint ${controlAddress}`);
  notify('READY=1');
  const code = await arbiter.done;
  log.info(`stopped (exit ${code})`);
  return code;
}

process.on('uncaughtException', fail);
main(process.argv).then((code) => process.exit(code), fail);
