// A real HAProxy (Debian's haproxy 2.6) in the load balancer's namespace: active HTTP/1.1 health
// checks, retries with redispatch, and its runtime API on a Unix socket for server states and
// for adding a server under load. Server state changes are read from its stderr as they happen.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { waitFor, type Spawned } from '../helpers/process.js';
import type { Lab } from './netns.js';

/**
 * Two frontends over the same servers: `hosts` is the production set-up (retries, redispatch);
 * `no_retries` gives every refused or cut connection straight to the client, so a scenario
 * measured through it shows what the supervisor does, not what HAProxy's retries hide.
 */
export const BACKENDS = { hosts: 8000, no_retries: 8001 } as const;
export type BackendName = keyof typeof BACKENDS;
export const APP_PORT = 8080;
export const HEALTH_PORT = 9100;

export interface CheckPolicy {
  /** Where the check goes: the supervisor's metrics_endpoint (/health), or the workers' --health-path on the app port (/healthz). */
  via: 'supervisor' | 'worker';
  interMs: number;
  fall: number;
  rise: number;
  timeoutMs: number;
}

export const DEFAULT_CHECKS: CheckPolicy = { via: 'supervisor', interMs: 500, fall: 2, rise: 2, timeoutMs: 1000 };

export interface Backend {
  name: string;
  address: string;
}

/** The server line for one host (also what `add server` takes, minus the name). */
export function serverArgs(address: string, c: CheckPolicy): string {
  return `${address}:${APP_PORT} check inter ${c.interMs} fall ${c.fall} rise ${c.rise}${c.via === 'supervisor' ? ` port ${HEALTH_PORT}` : ''}`;
}

export function checkPath(c: CheckPolicy): string {
  return c.via === 'supervisor' ? '/health' : '/healthz';
}

/**
 * The configuration the tests run and docs/deploy.md shows. `clientSocket`: the `hosts` frontend
 * also listens there, for clients outside the namespace (the tests' own WebSocket clients).
 */
export function haproxyConfig(socketPath: string, servers: Backend[], c: CheckPolicy, clientSocket?: string): string {
  const backend = (name: BackendName, retries: string) => `frontend ${name}
  bind 127.0.0.1:${BACKENDS[name]}
${name === 'hosts' && clientSocket ? `  bind unix@${clientSocket}\n` : ''}  default_backend ${name}

backend ${name}
  balance roundrobin
${retries}  option httpchk
  # HTTP/1.1: HAProxy's default check is HTTP/1.0, which uWebSockets.js 20.30 never answers.
  http-check send meth GET uri ${checkPath(c)} ver HTTP/1.1 hdr Host lb
  http-check expect status 200
${servers.map((s) => `  server ${s.name} ${serverArgs(s.address, c)}`).join('\n')}
`;
  return `global
  stats socket ${socketPath} mode 600 level admin
  maxconn 2000

defaults
  mode http
  timeout connect 1s
  timeout client 20s
  timeout server 5s
  # An upgraded connection (WebSocket) may stay idle this long; client and server no longer apply.
  timeout tunnel 1h
  timeout check ${c.timeoutMs}ms

${backend('hosts', `  # A connection refused or closed before any answer goes to another server.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
`)}
${backend('no_retries', '  retries 0\n')}`;
}

export interface ServerState {
  status: string;
  checkStatus: string;
}

export class Haproxy {
  private constructor(readonly proc: Spawned, readonly socketPath: string, readonly checks: CheckPolicy, readonly clientSocket: string) {}

  static async start(lab: Lab, dir: string, servers: Backend[], checks: CheckPolicy = DEFAULT_CHECKS): Promise<Haproxy> {
    const socketPath = path.join(dir, 'haproxy.sock');
    const clientSocket = path.join(dir, 'hosts.sock');
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, haproxyConfig(socketPath, servers, checks, clientSocket));
    const proc = lab.exec(lab.lb, 'haproxy', ['-db', '-f', file]);
    const h = new Haproxy(proc, socketPath, checks, clientSocket);
    await waitFor(() => fs.existsSync(socketPath) && fs.existsSync(clientSocket), 'haproxy stats and client sockets', 20000);
    return h;
  }

  /** One runtime API command, its whole answer. */
  command(line: string, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.socketPath);
      let out = '';
      const timer = setTimeout(() => s.destroy(new Error(`haproxy: no answer to '${line}' within ${timeoutMs} ms`)), timeoutMs);
      s.on('connect', () => s.end(`${line}\n`));
      s.on('data', (d) => (out += d));
      s.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
      s.on('error', reject);
    });
  }

  /** "backend/server" → status (UP, DOWN, MAINT, "UP 1/2" …) and last check result (L7OK …). */
  async servers(): Promise<Map<string, ServerState>> {
    const lines = (await this.command('show stat')).split('\n').filter(Boolean);
    const head = lines[0].replace(/^# /, '').split(',');
    const col = (n: string) => head.indexOf(n);
    const out = new Map<string, ServerState>();
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      if (!(f[col('pxname')] in BACKENDS) || ['BACKEND', 'FRONTEND'].includes(f[col('svname')])) continue;
      out.set(`${f[col('pxname')]}/${f[col('svname')]}`, { status: f[col('status')], checkStatus: f[col('check_status')] });
    }
    return out;
  }

  /** Until `name` is UP in every backend after a passing check (a fresh server counts as UP before any check). */
  async waitUp(name: string, timeoutMs = 30000): Promise<void> {
    await waitFor(async () => {
      const all = await this.servers();
      return Object.keys(BACKENDS).every((b) => all.get(`${b}/${name}`)?.status === 'UP' && all.get(`${b}/${name}`)?.checkStatus === 'L7OK');
    }, `haproxy: ${name} UP`, timeoutMs, 50);
  }

  /** How many "Server BACKEND/NAME is DOWN|UP" lines HAProxy has printed so far. */
  transitions(backend: BackendName, name: string, to: 'UP' | 'DOWN'): number {
    return this.proc.stderr().split('\n').filter((l) => l.includes(`Server ${backend}/${name} is ${to}`)).length;
  }

  /** Resolves when HAProxy prints the next `name` → `to` transition after `seen` of them. */
  async waitTransition(backend: BackendName, name: string, to: 'UP' | 'DOWN', seen: number, timeoutMs = 30000): Promise<void> {
    await waitFor(() => this.transitions(backend, name, to) > seen, `haproxy: ${backend}/${name} marked ${to}`, timeoutMs, 10);
  }

  /** Adds a server at run time (HAProxy 2.6 runtime API), checks enabled, and lets it take traffic once UP. */
  async addServer(name: string, address: string): Promise<void> {
    for (const b of Object.keys(BACKENDS)) {
      const answer = await this.command(`add server ${b}/${name} ${serverArgs(address, this.checks)}`);
      if (!/New server registered/.test(answer)) throw new Error(`haproxy: add server ${b}/${name}: ${answer.trim()}`);
      for (const cmd of [`enable health ${b}/${name}`, `enable server ${b}/${name}`]) {
        const a = (await this.command(cmd)).trim();
        if (a) throw new Error(`haproxy: ${cmd}: ${a}`);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.proc.child.exitCode !== null || this.proc.child.signalCode !== null) return;
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
  }
}
