// One certificate chain and its key, read and checked the way OpenSSL will use them: every PEM
// block of the chain parses, the key parses (with its passphrase), and the key belongs to the
// first certificate. Checked here so a bad file is one line naming it and its flag, at start and
// at renewal, instead of an OpenSSL error from deep inside a backend.
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { CodedError } from '../../sys/coded-error.js';

export type PairCode = 'ETLS_FILE' | 'ETLS_MISMATCH';

export class PairError extends CodedError {
  declare readonly code: PairCode;
}

/** Where a pair comes from: the files and the flags that named them (for messages). */
export interface PairSource {
  certfile: string;
  keyfile: string;
  certFlag: string;
  keyFlag: string;
  passphrase?: string;
}

export interface LoadedPair {
  source: PairSource;
  /** The chain as read (PEM, leaf first). */
  cert: string;
  /** The key as PEM, decrypted: backends never see the passphrase. */
  key: string;
  leaf: X509Certificate;
  /** The leaf's SHA-256 fingerprint, for the renewal log line. */
  fingerprint: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new PairError('ETLS_FILE', `${flag} ${file} ${why}`);
  }
}

function parseChain(text: string, source: PairSource): X509Certificate[] {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new PairError('ETLS_FILE', `${source.certFlag} ${source.certfile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new PairError('ETLS_FILE', `${source.certFlag} ${source.certfile}: certificate ${i + 1} of ${blocks.length} does not parse (${(err as Error).message})`);
    }
  });
}

const ENCRYPTED = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

function parseKey(text: string, source: PairSource): crypto.KeyObject {
  const encrypted = ENCRYPTED.test(text);
  if (encrypted && source.passphrase === undefined) {
    throw new PairError('ETLS_FILE', `${source.keyFlag} ${source.keyfile} is encrypted and no passphrase was given (--keyfile-password-file or CIRCUS_KEYFILE_PASSWORD)`);
  }
  try {
    return crypto.createPrivateKey({ key: text, format: 'pem', passphrase: source.passphrase });
  } catch (err) {
    const why = encrypted ? 'cannot be decrypted with the passphrase given' : `is not a PEM private key (${(err as Error).message})`;
    throw new PairError('ETLS_FILE', `${source.keyFlag} ${source.keyfile} ${why}`);
  }
}

/** Reads and checks a pair; throws PairError naming the file and its flag. */
export function loadPair(source: PairSource): LoadedPair {
  const certText = read(source.certfile, source.certFlag);
  const keyText = read(source.keyfile, source.keyFlag);
  const chain = parseChain(certText, source);
  const key = parseKey(keyText, source);
  if (!chain[0].checkPrivateKey(key)) {
    throw new PairError('ETLS_MISMATCH', `${source.keyFlag} ${source.keyfile} is not the key of the certificate in ${source.certFlag} ${source.certfile} (subject ${chain[0].subject.replace(/\n/g, ', ')})`);
  }
  return {
    source,
    cert: chain.map((c) => c.toString()).join(''),
    key: key.export({ format: 'pem', type: 'pkcs8' }) as string,
    leaf: chain[0],
    fingerprint: chain[0].fingerprint256,
  };
}

/**
 * Whether a key file can be read by users other than the worker's own: by every user, or by a
 * group the worker is not in (a key shared with the worker's own group, root:www 0640, is the
 * usual way to let a worker that runs as www read it, and is not warned about).
 */
export function keyReadableByOthers(keyfile: string): boolean {
  try {
    const { mode, gid } = fs.statSync(keyfile);
    if (mode & 0o004) return true;
    const mine = [process.getgid?.(), ...(process.getgroups?.() ?? [])];
    return (mode & 0o040) !== 0 && !mine.includes(gid);
  } catch {
    return false;
  }
}

export const modeOf = (file: string): string => {
  try {
    return (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
  } catch {
    return '?';
  }
};

function stamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

/** What identifies the files' current contents: following symlinks, so a swapped link or a rename over the file changes it. */
export const pairStamp = (source: PairSource): string => `${stamp(source.certfile)}|${stamp(source.keyfile)}`;
