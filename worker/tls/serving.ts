// The certificates a worker serves, as the backends take them: node:tls options (with an SNI
// callback), or uWebSockets.js SSLApp options. Holds the loaded pairs and swaps in renewed ones
// (renewal.ts decides when); a backend that can apply a renewal subscribes with onRenew().
import tls from 'node:tls';
import { withMemoryFiles } from '../../sys/memfd.js';
import type { TlsCertificates } from '../contract.js';
import { WorkerError } from '../error-codes.js';
import type { Logger } from '../log.js';
import { loadOrExit, type TlsConfig } from './config.js';
import { keyReadableByOthers, modeOf, pairStamp, type LoadedPair, type PairSource } from './pair.js';
import { sniLookup } from './sni-match.js';

/** What the uws backend hands SSLApp (file names: uWS reads the files itself). */
export interface UwsTlsFiles {
  cert_file_name: string;
  key_file_name: string;
}

export class TlsServing implements TlsCertificates {
  /** source → the pair serving now. */
  readonly pairs = new Map<PairSource, LoadedPair>();
  /** Each pair's files as they were just before they were read (renewal.ts compares against it). */
  readonly stamps = new Map<PairSource, string>();
  private contexts = new Map<string, tls.SecureContext>();
  private readonly renewHooks: Array<() => void> = [];

  constructor(readonly config: TlsConfig, log: Logger) {
    for (const source of this.sources()) {
      this.stamps.set(source, pairStamp(source));
      this.pairs.set(source, loadOrExit(source));
      if (keyReadableByOthers(source.keyfile)) log.warn(`${source.keyFlag} ${source.keyfile} can be read by other users (mode ${modeOf(source.keyfile)}); chmod 600 it, or 640 with a group the worker is in`);
    }
    this.contexts = this.sniContexts();
  }

  get mutual(): boolean {
    return this.config.ca !== undefined;
  }

  get http2(): boolean {
    return this.config.http2;
  }

  get certfile(): string {
    return this.config.default.certfile;
  }

  sources(): PairSource[] {
    return [this.config.default, ...this.config.sni.map((e) => e.source)];
  }

  /** Why the uws backend cannot serve this configuration, or undefined when it can. */
  uwsUnsupported(): string | undefined {
    if (this.config.http2) return '--http2 (uWebSockets.js has no HTTP/2)';
    if (this.config.minVersion !== 'TLSv1.2') return `--ssl-min-version ${this.config.minVersion} (uWebSockets.js 20.30 fixes the minimum at TLS 1.2)`;
    if (this.config.ca) return '--ca-certs (uWebSockets.js 20.30 cannot require a client certificate nor show it to the app)';
    return undefined;
  }

  /** node:tls / node:https options for the current pairs. */
  nodeOptions(): tls.TlsOptions {
    const pair = this.pairs.get(this.config.default)!;
    const ca = this.config.ca?.pem;
    return {
      cert: pair.cert,
      key: pair.key,
      minVersion: this.config.minVersion,
      ...(ca ? { ca, requestCert: true, rejectUnauthorized: this.config.certReqs === 'require' } : {}),
      ...(this.config.sni.length ? { SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => cb(null, sniLookup(this.contexts, name)) } : {}),
    };
  }

  /** Calls `fn` with the SSLApp options; the files exist only during the call. */
  withUwsFiles<T>(fn: (files: UwsTlsFiles) => T): T {
    const why = this.uwsUnsupported();
    if (why) throw new WorkerError('ETLS_BACKEND', `the uws backend cannot serve ${why}; use --backend node (or auto)`);
    const pair = this.pairs.get(this.config.default)!;
    return withMemoryFiles([pair.cert, pair.key], ([cert, key]) => fn({ cert_file_name: cert, key_file_name: key }));
  }

  sniNames(): string[] {
    return this.config.sni.flatMap((e) => e.names);
  }

  withUwsSni(fn: (name: string, files: UwsTlsFiles) => void): void {
    for (const entry of this.config.sni) {
      const pair = this.pairs.get(entry.source)!;
      withMemoryFiles([pair.cert, pair.key], ([cert, key]) => {
        for (const name of entry.names) fn(name, { cert_file_name: cert, key_file_name: key });
      });
    }
  }

  onRenew(fn: () => void): void {
    this.renewHooks.push(fn);
  }

  /** Whether anything applies renewals in process (else they wait for a restart). */
  get renewable(): boolean {
    return this.renewHooks.length > 0;
  }

  /** Serves `pair` from now on (new handshakes only; established connections keep theirs). */
  renew(pair: LoadedPair): void {
    this.pairs.set(pair.source, pair);
    this.contexts = this.sniContexts();
    for (const fn of this.renewHooks) fn();
  }

  private sniContexts(): Map<string, tls.SecureContext> {
    const out = new Map<string, tls.SecureContext>();
    const ca = this.config.ca?.pem;
    for (const entry of this.config.sni) {
      const pair = this.pairs.get(entry.source)!;
      const ctx = tls.createSecureContext({ cert: pair.cert, key: pair.key, minVersion: this.config.minVersion, ...(ca ? { ca } : {}) });
      for (const name of entry.names) out.set(name, ctx);
    }
    return out;
  }
}
