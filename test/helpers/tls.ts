// Certificates made by the tests themselves with the openssl CLI (never checked in): a root CA,
// an intermediate CA that signs the servers' leaves (so "the chain is served" can be checked: a
// client trusting only the root needs the intermediate from the server), and client certificates
// for mutual TLS. Plus the TLS clients the tests use: curl, openssl s_client, node:https, ws.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';

export interface Leaf {
  /** Leaf then intermediate: what --certfile gets. */
  chain: string;
  /** The leaf alone. */
  cert: string;
  key: string;
  /** SHA-256 fingerprint as node prints it (AA:BB:…). */
  fingerprint: string;
  serial: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

let serial = Date.now() % 1_000_000_000;

export class TestPki {
  readonly root: string;
  private readonly intermediate: { cert: string; key: string };

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.root = path.join(dir, 'root.pem');
    this.key('root.key');
    openssl(['req', '-x509', '-new', '-key', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=circus test root', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    this.intermediate = this.sign('intermediate', '/CN=circus test intermediate', { cert: this.root, key: path.join(dir, 'root.key') }, 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  }

  private key(file: string, type: 'ec' | 'rsa' = 'ec'): string {
    openssl(type === 'ec' ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file] : ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file], this.dir);
    fs.chmodSync(path.join(this.dir, file), 0o600);
    return path.join(this.dir, file);
  }

  private sign(name: string, subject: string, by: { cert: string; key: string }, ext: string, type: 'ec' | 'rsa' = 'ec'): { cert: string; key: string } {
    const key = this.key(`${name}.key`, type);
    fs.writeFileSync(path.join(this.dir, `${name}.ext`), ext);
    openssl(['req', '-new', '-key', key, '-out', `${name}.csr`, '-subj', subject], this.dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', by.cert, '-CAkey', by.key, '-set_serial', String(++serial), '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], this.dir);
    return { cert: path.join(this.dir, `${name}.pem`), key };
  }

  /** A server leaf for `names` (DNS names, or IP addresses), signed by the intermediate. */
  server(name: string, names: string[], type: 'ec' | 'rsa' = 'ec'): Leaf {
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    const { cert, key } = this.sign(name, `/CN=${names[0]}`, this.intermediate, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`, type);
    return this.withChain(name, cert, key);
  }

  /** A client certificate (mutual TLS) for `cn`, signed by the intermediate. */
  client(name: string, cn: string): Leaf {
    const { cert, key } = this.sign(name, `/CN=${cn}/O=Circus Tests`, this.intermediate, 'extendedKeyUsage=clientAuth\n');
    return this.withChain(name, cert, key);
  }

  /** The key encrypted with `passphrase` (AES-256), into a new file. */
  encrypt(key: string, passphrase: string): string {
    const out = key.replace(/\.key$/, '.enc.key');
    openssl(['pkey', '-in', key, '-aes256', '-passout', `pass:${passphrase}`, '-out', out], this.dir);
    fs.chmodSync(out, 0o600);
    return out;
  }

  /** The CA bundle a client or the server trusts: root and intermediate. */
  bundle(): string {
    const file = path.join(this.dir, 'bundle.pem');
    fs.writeFileSync(file, fs.readFileSync(this.root, 'utf8') + fs.readFileSync(this.intermediate.cert, 'utf8'));
    return file;
  }

  private withChain(name: string, cert: string, key: string): Leaf {
    const chain = path.join(this.dir, `${name}.chain.pem`);
    fs.writeFileSync(chain, fs.readFileSync(cert, 'utf8') + fs.readFileSync(this.intermediate.cert, 'utf8'));
    const x = new crypto.X509Certificate(fs.readFileSync(cert));
    return { chain, cert, key, fingerprint: x.fingerprint256, serial: x.serialNumber };
  }
}


/** Runs a command to its end; resolves with its exit code and output (never rejects on status). */
export function run(cmd: string, args: string[], input = '', timeoutMs = 30000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** curl over https with `--cacert`; `extra` goes before the URL. */
export function curl(url: string, ca: string, extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('curl', ['-sS', '--max-time', '20', '--cacert', ca, ...extra, url]);
}

/** The certificate a fresh handshake is served (SNI `servername` when given). */
export function servedCertificate(port: number, servername?: string): Promise<{ fingerprint: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const c = socket.getPeerCertificate();
      socket.destroy();
      resolve({ fingerprint: c.fingerprint256, serial: c.serialNumber });
    });
    socket.setTimeout(20000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

/** GET over https; the body and status. */
export function httpsGet(port: number, urlPath: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: urlPath, servername: 'localhost', headers: { host: `localhost:${port}` }, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.setTimeout(20000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

/** Requests in a loop until stopped: keep-alive clients and one opening a connection per request. */
export function httpsLoad(port: number, ca: Buffer) {
  const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 4, ca });
  let stop = false;
  const counts = { ok: 0, failed: 0, errors: [] as string[] };
  const loop = async (agent: https.Agent | undefined) => {
    while (!stop) {
      try {
        const r = await httpsGet(port, '/', agent ? { agent } : { ca, agent: false });
        if (r.status === 200) counts.ok++;
        else counts.failed++, counts.errors.push(`status ${r.status}`);
      } catch (err) {
        counts.failed++;
        counts.errors.push((err as Error).message);
      }
    }
  };
  const loops = [loop(keepAlive), loop(keepAlive), loop(keepAlive), loop(undefined)];
  return {
    counts,
    async stop() {
      stop = true;
      await Promise.all(loops);
      keepAlive.destroy();
      return counts;
    },
  };
}


/** Opens a wss:// connection, sends `text` once open, and answers the first message back; always terminates it. */
export async function wssEcho(url: string, options: WebSocket.ClientOptions & Pick<tls.ConnectionOptions, 'servername'>, text: string): Promise<string> {
  const ws = new WebSocket(url, options);
  try {
    return await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send(text));
      ws.once('message', (m) => resolve(String(m)));
      ws.once('error', reject);
    });
  } finally {
    ws.terminate();
  }
}
