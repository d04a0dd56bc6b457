// The CLI's side of TLS: the flags (gunicorn's names), and turning them into a TlsServing before
// the backend is chosen (auto picks node when uWS cannot serve what was asked, and says why).
import { Command, InvalidArgumentError, Option } from 'commander';
import { onceAcrossWorkers, type Logger } from '../log.js';
import { PASSWORD_ENV, tlsConfig, type TlsFlags } from './config.js';
import { watchRenewals } from './renewal.js';
import { TlsServing } from './serving.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--cert-reload-interval must be a number of seconds >= 0');
  return n;
};

export function addTlsOptions(cmd: Command): Command {
  return cmd
    .option('--certfile <file>', 'TLS: PEM certificate chain, leaf first (serve https:// and wss://)')
    .option('--keyfile <file>', 'TLS: PEM private key of --certfile')
    .option('--keyfile-password-file <file>', 'TLS: file holding the key\'s passphrase (or env CIRCUS_KEYFILE_PASSWORD; never on the command line)')
    .addOption(new Option('--ssl-min-version <version>', 'TLS: lowest protocol version accepted').choices(['1.2', '1.3', 'TLSv1.2', 'TLSv1.3']).default('1.2'))
    .option('--sni <names=cert:key>', 'TLS: another pair for these names (comma-separated, *.wildcards); repeat for more', collect)
    .option('--ca-certs <file>', 'TLS: CA bundle client certificates must chain to (mutual TLS)')
    .addOption(new Option('--cert-reqs <mode>', 'TLS: client certificate: none, request (verified when sent) or require (default with --ca-certs)').choices(['none', 'request', 'require']))
    .option('--http2', 'TLS: also serve HTTP/2 (ALPN h2, HTTP/1.1 fallback on the same port; node backend)')
    .option('--cert-reload-interval <seconds>', 'TLS: check the certificate and key files this often and serve renewed ones (0 = never)', seconds, 5);
}

export interface TlsSetup {
  serving: TlsServing;
  /** Starts the renewal checks once the backend has subscribed; returns the stop function. */
  watch(): () => void;
}

/** undefined without TLS flags; throws WorkerError (exit 2) on bad flags or files. */
export function setupTls(flags: TlsFlags, env: NodeJS.ProcessEnv, log: Logger): TlsSetup | undefined {
  const config = tlsConfig(flags, env);
  if (!config) return undefined;
  // Read once: the app and the processes it starts have no business with the key's passphrase.
  delete env[PASSWORD_ENV];
  const serving = new TlsServing(config, log);
  return { serving, watch: () => watchRenewals(serving, log) };
}

/** `auto` with a fetch app and TLS that uWS cannot serve: node, said in one line. */
export function tlsBackendChoice<C extends string>(choice: C, kind: string, tls: TlsSetup | undefined, log: Logger): C | 'node' {
  const why = tls?.serving.uwsUnsupported();
  if (!why || choice !== 'auto' || kind !== 'fetch') return choice;
  onceAcrossWorkers(log, 'info')(`serving with the node backend: uWebSockets.js cannot serve ${why}`);
  return 'node';
}
