#!/usr/bin/env node
// circus-ctl: Circus's everyday commands against a circus-supervisor control endpoint.
// Exit codes: 0 ok, 1 the supervisor answered an error, 2 usage error, 3 cannot reach the supervisor.
import { Command, CommanderError } from 'commander';
import { request, type Reply } from './client.js';
import { formatReply } from './format.js';
import { runTop } from './top.js';
import { DEFAULT_ENDPOINT } from '../endpoint.js';
import { SupervisorError } from '../errors.js';
import { packageVersion } from '../../sys/package-version.js';

type Build = (...args: string[]) => Record<string, unknown>;

const optionalName: Build = (name) => (name ? { name } : {});
const nb = (cmd: string): Build => (name, n) => {
  if (n !== undefined && !/^\d+$/.test(n)) throw new SupervisorError('EUSAGE', `${cmd}: nb must be a whole number, got "${n}"`, 2);
  return { name, ...(n === undefined ? {} : { nb: Number(n) }) };
};

const COMMANDS: [string, string, Build][] = [
  ['status [watcher]', 'status of one or all watchers', optionalName],
  ['list [watcher]', 'watcher names, or the processes of one watcher', optionalName],
  ['listsockets', 'sockets held by the supervisor', () => ({})],
  ['start [watcher]', 'start one or all watchers', optionalName],
  ['stop [watcher]', 'stop one or all watchers (graceful)', optionalName],
  ['restart [watcher]', 'stop then start one or all watchers', optionalName],
  ['reload [watcher]', 'replace every process, one at a time, each after its successor is ready', optionalName],
  ['reloadconfig', 're-read the INI file and apply the differences', () => ({})],
  ['incr <watcher> [nb]', 'add nb processes (default 1)', nb('incr')],
  ['decr <watcher> [nb]', 'remove nb processes (default 1)', nb('decr')],
  ['numprocesses [watcher]', 'number of processes of one or all watchers', optionalName],
  ['numwatchers', 'number of watchers', () => ({})],
  ['get <watcher> <keys...>', 'read watcher options', (name, ...keys) => ({ name, keys: keys.flat() })],
  ['set <watcher> <pairs...>', 'set watcher options: key value [key value …]', (name, ...pairs) => ({ name, options: pairsToObject(pairs.flat()) })],
  ['options <watcher>', 'all readable options of a watcher', (name) => ({ name })],
  ['signal <watcher> <args...>', 'send a signal: signal WATCHER [PID] SIGNAL', (name, ...rest) => signalProps(name, rest.flat())],
  ['stats [watcher]', 'pid, CPU %, RSS and age of each process', optionalName],
  ['metrics', 'the Prometheus text GET /metrics serves (every watcher)', () => ({ format: 'prometheus' })],
  ['dstats', 'the supervisor’s own pid, CPU %, RSS and uptime', () => ({})],
  ['quit', 'stop every watcher and the supervisor', () => ({})],
];

function pairsToObject(pairs: string[]): Record<string, string> {
  if (pairs.length % 2) throw new SupervisorError('EUSAGE', 'set: expected key value pairs', 2);
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]] = pairs[i + 1];
  return out;
}

function signalProps(name: string, rest: string[]): Record<string, unknown> {
  if (rest.length === 1) return { name, signum: rest[0] };
  if (rest.length === 2 && /^\d+$/.test(rest[0])) return { name, pid: Number(rest[0]), signum: rest[1] };
  throw new SupervisorError('EUSAGE', 'signal: expected WATCHER [PID] SIGNAL', 2);
}

async function main(argv: string[]): Promise<number> {
  let result = 0;
  const program = new Command('circus-ctl')
    .version(packageVersion(), '-V, --version')
    .description('Control a running circus-supervisor')
    .option('--endpoint <url>', 'control endpoint (tcp://HOST:PORT or unix:///PATH)', process.env.CIRCUSCTL_ENDPOINT ?? DEFAULT_ENDPOINT)
    .option('--json', 'print the raw JSON answer')
    .option('--timeout <seconds>', 'how long to wait for an answer', '60')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(`circus-ctl: ${s}`) });
  for (const [spec, description, build] of COMMANDS) {
    const command = spec.split(' ')[0];
    program
      .command(spec)
      .description(description)
      .action(async (...args: unknown[]) => {
        const positional = args.slice(0, -2) as string[];
        const { endpoint, json, timeout } = program.opts<{ endpoint: string; json?: boolean; timeout: string }>();
        const reply: Reply = await request(endpoint, command, build(...positional), Number(timeout) * 1000);
        if (json) process.stdout.write(JSON.stringify(reply, null, 2) + '\n');
        else if (reply.status !== 'error') process.stdout.write(formatReply(command, reply) + '\n');
        if (reply.status === 'error') {
          if (!json) process.stderr.write(`circus-ctl: error: ${reply.reason}\n`);
          result = 1;
        }
      });
  }
  program
    .command('top')
    .description('live table of every process: req/s, p99, in-flight, CPU, RSS, report age (q or Ctrl-C quits; --json: one sample per line)')
    .option('-n, --iterations <n>', 'stop after n samples (default: run until q or Ctrl-C)', '0')
    .action(async (opts: { iterations: string }) => {
      const { endpoint, json, timeout } = program.opts<{ endpoint: string; json?: boolean; timeout: string }>();
      if (!/^\d+$/.test(opts.iterations)) throw new SupervisorError('EUSAGE', `top: --iterations must be a whole number, got "${opts.iterations}"`, 2);
      result = await runTop({ endpoint, json: Boolean(json), timeoutMs: Number(timeout) * 1000, iterations: Number(opts.iterations) });
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2;
    throw err;
  }
  return result;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`circus-ctl: error: ${(err as Error).message}\n`);
    process.exit(err instanceof SupervisorError ? err.exitCode : 1);
  },
);
