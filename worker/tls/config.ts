// The TLS flags (gunicorn's names where it has one) turned into one checked description: which
// pairs serve which names, the minimum version, client certificates. Only reads files; every
// mistake is a WorkerError (exit 2) naming the flag, file or name.
import fs from 'node:fs';
import { WorkerError } from '../error-codes.js';
import { loadPair, PairError, type LoadedPair, type PairSource } from './pair.js';

export interface TlsFlags {
  certfile?: string;
  keyfile?: string;
  keyfilePasswordFile?: string;
  sslMinVersion: string;
  sni?: string[];
  caCerts?: string;
  certReqs?: string;
  certReloadInterval: number;
  http2?: boolean;
}

export type MinVersion = 'TLSv1.2' | 'TLSv1.3';
export type CertReqs = 'none' | 'request' | 'require';

/** One --sni entry: the names (exact or `*.` wildcards, lower-cased) its pair serves. */
export interface SniEntry {
  names: string[];
  source: PairSource;
}

export interface TlsConfig {
  default: PairSource;
  sni: SniEntry[];
  minVersion: MinVersion;
  /** PEM bundle of the CAs client certificates must chain to (mutual TLS). */
  ca?: { file: string; pem: string };
  certReqs: CertReqs;
  /** Seconds between checks of the files for a renewal (0: never). */
  reloadSeconds: number;
  /** ALPN h2 with HTTP/1.1 fallback (node backend). */
  http2: boolean;
}

const NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export const PASSWORD_ENV = 'CIRCUS_KEYFILE_PASSWORD';

function tlsAsked(flags: TlsFlags): boolean {
  return [flags.certfile, flags.keyfile, flags.keyfilePasswordFile, flags.caCerts, flags.certReqs].some((v) => v !== undefined) || (flags.sni?.length ?? 0) > 0 || flags.http2 === true;
}

function passphrase(flags: TlsFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.keyfilePasswordFile === undefined) return env[PASSWORD_ENV] || undefined;
  try {
    // One line: the trailing newline an editor or `echo` leaves is not part of the passphrase.
    return fs.readFileSync(flags.keyfilePasswordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new WorkerError('ETLS_FILE', `--keyfile-password-file ${flags.keyfilePasswordFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function minVersion(text: string): MinVersion {
  const v = text.replace(/^tlsv?/i, '');
  if (v === '1.2' || v === '1.3') return `TLSv${v}`;
  throw new WorkerError('ETLS_FLAGS', `--ssl-min-version must be 1.2 or 1.3 (TLSv1.2, TLSv1.3), not '${text}'`);
}

/** `NAME[,NAME…]=CERT:KEY`: split at the first `=` and the last `:`. */
function parseSni(spec: string, pass: string | undefined): SniEntry {
  const eq = spec.indexOf('=');
  const colon = spec.lastIndexOf(':');
  if (eq <= 0 || colon <= eq + 1 || colon === spec.length - 1) throw new WorkerError('ETLS_SNI', `--sni '${spec}' is not NAME[,NAME...]=CERTFILE:KEYFILE`);
  const names = spec.slice(0, eq).split(',').map((n) => n.trim().toLowerCase());
  for (const name of names) {
    if (!NAME.test(name)) throw new WorkerError('ETLS_SNI', `--sni '${spec}': '${name}' is not a host name or a *.wildcard`);
  }
  return { names, source: { certfile: spec.slice(eq + 1, colon), keyfile: spec.slice(colon + 1), certFlag: `--sni ${names[0]} certificate`, keyFlag: `--sni ${names[0]} key`, passphrase: pass } };
}

/** Checks a pair now, for start-up: a PairError becomes the exit-2 error. */
export function loadOrExit(source: PairSource): LoadedPair {
  try {
    return loadPair(source);
  } catch (err) {
    if (err instanceof PairError) throw new WorkerError(err.code, err.message);
    throw err;
  }
}

/** undefined when no TLS flag was given (plain HTTP). */
export function tlsConfig(flags: TlsFlags, env: NodeJS.ProcessEnv): TlsConfig | undefined {
  if (!tlsAsked(flags)) return undefined;
  if (!flags.certfile || !flags.keyfile) {
    const missing = flags.certfile ? '--keyfile' : flags.keyfile ? '--certfile' : '--certfile and --keyfile';
    const given = [flags.certfile && '--certfile', flags.keyfile && '--keyfile', flags.keyfilePasswordFile && '--keyfile-password-file', flags.caCerts && '--ca-certs', flags.certReqs && '--cert-reqs', flags.sni?.length && '--sni', flags.http2 && '--http2'].filter(Boolean);
    throw new WorkerError('ETLS_FLAGS', `${given.join(', ')} given without ${missing}: TLS needs both --certfile (PEM chain) and --keyfile (PEM key)`);
  }
  if (flags.certReqs !== undefined && !['none', 'request', 'require'].includes(flags.certReqs)) {
    throw new WorkerError('ETLS_FLAGS', `--cert-reqs must be none, request or require, not '${flags.certReqs}'`);
  }
  if (flags.certReqs && flags.certReqs !== 'none' && !flags.caCerts) {
    throw new WorkerError('ETLS_FLAGS', `--cert-reqs ${flags.certReqs} needs --ca-certs FILE (the CAs client certificates must chain to)`);
  }
  const pass = passphrase(flags, env);
  const config: TlsConfig = {
    default: { certfile: flags.certfile, keyfile: flags.keyfile, certFlag: '--certfile', keyFlag: '--keyfile', passphrase: pass },
    sni: (flags.sni ?? []).map((s) => parseSni(s, pass)),
    minVersion: minVersion(flags.sslMinVersion),
    certReqs: (flags.certReqs as CertReqs | undefined) ?? (flags.caCerts ? 'require' : 'none'),
    reloadSeconds: flags.certReloadInterval,
    http2: flags.http2 === true,
  };
  const seen = new Map<string, string>();
  for (const entry of config.sni) {
    for (const name of entry.names) {
      const other = seen.get(name);
      if (other !== undefined) throw new WorkerError('ETLS_SNI', `--sni name '${name}' is given twice (${other} and ${entry.source.certfile})`);
      seen.set(name, entry.source.certfile);
    }
  }
  if (flags.caCerts) {
    let pem: string;
    try {
      pem = fs.readFileSync(flags.caCerts, 'utf8');
    } catch (err) {
      throw new WorkerError('ETLS_FILE', `--ca-certs ${flags.caCerts} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new WorkerError('ETLS_FILE', `--ca-certs ${flags.caCerts} holds no PEM certificate`);
    config.ca = { file: flags.caCerts, pem };
  }
  return config;
}
