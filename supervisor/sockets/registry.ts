// The supervisor's listening sockets: bound once, never accepted on, held open for the
// supervisor's whole life so connections queue while no worker is up. With so_reuseport on TCP
// the [socket:] fd only holds the port and each worker slot listens on its own (worker-sockets.ts).
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import { closeFd, createListener, describeListeningFd, SocketError } from '../../sys/sockets.js';
import { formatAddress, type SocketAddress } from '../../sys/sockaddr.js';
import { SupervisorError, EXIT } from '../errors.js';
import type { SocketListing } from '../answers.js';
import type { SocketConfig } from '../config/types.js';
import { log } from '../log.js';
import { enableMigrateReq, inodeOf, WorkerSockets, type ChildSocket } from './worker-sockets.js';

export interface BoundSocket {
  name: string;
  config: SocketConfig;
  fd: number;
  inode: number;
  address: SocketAddress;
  label: string;
  /** so_reuseport on TCP: one listening socket per worker slot; `fd` is bound, not listening. */
  workers?: WorkerSockets;
}

let migrateChecked = false;

class SocketBindError extends SupervisorError {
  constructor(code: string, message: string) {
    super(code, message, EXIT.SOCKET);
  }
}

async function resolveHost(cfg: SocketConfig): Promise<string> {
  if (net.isIP(cfg.host)) return cfg.host;
  if (cfg.host === 'localhost') return cfg.family === 'AF_INET6' ? '::1' : '127.0.0.1';
  try {
    const r = await dns.lookup(cfg.host, { family: cfg.family === 'AF_INET6' ? 6 : 4 });
    return r.address;
  } catch (err) {
    throw new SocketBindError('ERESOLVE', `[socket:${cfg.name}] (${cfg.file}): cannot resolve host "${cfg.host}": ${(err as NodeJS.ErrnoException).code}`);
  }
}

/** Binds and listens; throws SocketBindError naming the socket, address and errno. */
async function bindSocket(cfg: SocketConfig): Promise<BoundSocket> {
  if (cfg.fd !== undefined) return adoptSocket(cfg);
  const address: SocketAddress =
    cfg.family === 'AF_UNIX' ? { family: 'AF_UNIX', path: cfg.path! } : { family: cfg.family, host: await resolveHost(cfg), port: cfg.port };
  if (cfg.family === 'AF_UNIX' && cfg.replace) fs.rmSync(cfg.path!, { force: true });
  const perWorker = cfg.reuseport && cfg.family !== 'AF_UNIX';
  try {
    const l = createListener({
      address,
      backlog: cfg.backlog,
      reuseport: cfg.reuseport,
      interface: cfg.interface,
      blocking: cfg.blocking,
      mode: cfg.umask === undefined ? undefined : 0o777 & ~cfg.umask,
      listen: !perWorker,
    });
    if (perWorker && !migrateChecked) {
      migrateChecked = true;
      enableMigrateReq();
    }
    const workers = perWorker ? new WorkerSockets(cfg, l.address) : undefined;
    return { name: cfg.name, config: cfg, fd: l.fd, inode: inodeOf(l.fd), address: l.address, label: formatAddress(l.address), workers };
  } catch (err) {
    const code = (err as SocketError).code ?? 'EBIND';
    const hint = code === 'EADDRINUSE' && cfg.family === 'AF_UNIX' ? ' (the file exists: remove it or set replace = true)' : code === 'EACCES' ? ' (ports below 1024 need root)' : '';
    throw new SocketBindError(code, `[socket:${cfg.name}] (${cfg.file}): ${(err as Error).message}${hint}`);
  }
}

/** An inherited listening fd (checked: open, a socket, listening), held like one we bound. */
function adoptSocket(cfg: SocketConfig): BoundSocket {
  try {
    const d = describeListeningFd(cfg.fd!);
    return { name: cfg.name, config: cfg, fd: d.fd, inode: inodeOf(d.fd), address: d.address, label: d.label };
  } catch (err) {
    throw new SocketBindError((err as SocketError).code ?? 'EBADF', `[socket:${cfg.name}] (${cfg.file}): ${(err as Error).message}`);
  }
}

export function closeSocket(s: BoundSocket): void {
  s.workers?.closeAll();
  closeFd(s.fd);
  // An inherited Unix socket's file belongs to whoever passed it (systemd keeps it for the next start).
  if (s.address.family === 'AF_UNIX' && s.config.fd === undefined) fs.rmSync(s.address.path, { force: true });
}

/** Binds every config or none: on the first failure, the ones already bound are closed again. */
export async function bindAllOrNone(configs: Iterable<SocketConfig>): Promise<BoundSocket[]> {
  const fresh: BoundSocket[] = [];
  try {
    for (const cfg of configs) fresh.push(await bindSocket(cfg));
  } catch (err) {
    fresh.forEach(closeSocket);
    throw err;
  }
  return fresh;
}

/** The sockets by name. Only this registry (and the functions above) touch their fds. */
export class SocketRegistry {
  private readonly sockets = new Map<string, BoundSocket>();

  async bindAll(configs: Iterable<SocketConfig>): Promise<void> {
    for (const s of await bindAllOrNone(configs)) {
      this.sockets.set(s.name, s);
      log.info(`socket ${s.name} listening on ${s.label} (fd ${s.fd})`);
    }
  }

  /** Every bound [socket:] (the shared fds; per-worker SO_REUSEPORT listeners are not listed). */
  all(): BoundSocket[] {
    return [...this.sockets.values()];
  }

  get(name: string): BoundSocket | undefined {
    return this.sockets.get(name);
  }

  /** The socket `name` as worker slot (watcher, wid) inherits it: the shared one, or the slot's own. */
  forChild(name: string, watcher: string, wid: number): ChildSocket | undefined {
    const s = this.sockets.get(name);
    if (!s) return undefined;
    return s.workers ? s.workers.get(watcher, wid) : { name, fd: s.fd, inode: s.inode };
  }

  perWorker(name: string): boolean {
    return Boolean(this.sockets.get(name)?.workers);
  }

  /** Closes the worker sockets of a slot that is gone (wid), or of every slot of `watcher`. */
  release(watcher: string, wid?: number): void {
    for (const s of this.sockets.values()) s.workers?.release(watcher, wid);
  }

  /** Puts `s` under its name; returns the socket it replaces, for the caller to close once unused. */
  install(s: BoundSocket): BoundSocket | undefined {
    const old = this.sockets.get(s.name);
    this.sockets.set(s.name, s);
    return old;
  }

  /** Forgets `name`; returns its socket, for the caller to close once unused. */
  remove(name: string): BoundSocket | undefined {
    const old = this.sockets.get(name);
    this.sockets.delete(name);
    return old;
  }

  /** A changed socket on the same address cannot be bound twice: close it, bind the new config,
   * and bind the old one again if that fails. Installs and returns what is now bound. */
  async rebindInPlace(cfg: SocketConfig): Promise<BoundSocket> {
    const old = this.sockets.get(cfg.name)!;
    closeSocket(old);
    let next: BoundSocket;
    try {
      next = await bindSocket(cfg);
    } catch (err) {
      log.error(`reloadconfig: ${(err as Error).message}; restoring the previous socket`);
      next = await bindSocket(old.config);
    }
    this.sockets.set(cfg.name, next);
    return next;
  }

  /** `circus-ctl listsockets`. */
  describe(): SocketListing[] {
    return [...this.sockets.values()].map((s) => ({
      name: s.name,
      fd: s.fd,
      family: s.address.family,
      ...(s.address.family === 'AF_UNIX' ? { path: s.address.path } : { host: s.address.host, port: s.address.port }),
      address: s.label,
      backlog: s.config.backlog,
      inode: s.inode,
      ...(s.workers ? { per_worker: s.workers.list().map((w) => ({ watcher: w.slot!.watcher, wid: w.slot!.wid, fd: w.fd, inode: w.inode })) } : {}),
    }));
  }

  /** "name=address …" for the ready line. */
  summary(): string {
    return [...this.sockets.values()].map((s) => `${s.name}=${s.label}`).join(' ');
  }

  closeAll(): void {
    for (const s of this.sockets.values()) closeSocket(s);
    this.sockets.clear();
  }
}
