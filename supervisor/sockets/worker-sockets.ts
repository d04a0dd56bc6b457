// so_reuseport = true on a TCP socket, Circus's way: the [socket:] fd only holds the port (bound,
// not listening) and each worker slot (watcher, wid) listens on a SO_REUSEPORT socket of its
// own, so the kernel spreads connections over the workers instead of waking whichever it likes.
// A slot's socket is kept while its slot exists: a respawned or reloaded worker inherits the
// same socket and what waits in its backlog. Only a decr closes one.
import fs from 'node:fs';
import type { SocketConfig } from '../config/types.js';
import { log } from '../log.js';
import { closeFd, createListener } from '../../sys/sockets.js';
import type { SocketAddress } from '../../sys/sockaddr.js';

/** What a child gets for one socket name: the fd to inherit, and the kernel's inode for it. */
export interface ChildSocket {
  name: string;
  fd: number;
  inode: number;
  /** Set for a per-worker socket: the slot it belongs to. */
  slot?: { watcher: string; wid: number };
}

/** Where a watcher's children get their sockets (the arbiter's registry). */
export interface SocketSource {
  /** The sockets, in child fd order, that worker slot `wid` inherits. */
  forChild(names: string[], watcher: string, wid: number): ChildSocket[];
  /** Some of `names` give each worker slot a socket of its own (so_reuseport). */
  perWorker(names: string[]): boolean;
  /** Worker slot `wid` of `watcher` is gone: its own sockets close. */
  release(watcher: string, wid: number): void;
}

export function inodeOf(fd: number): number {
  return fs.fstatSync(fd).ino;
}

export class WorkerSockets {
  private readonly slots = new Map<string, ChildSocket>();

  constructor(
    private readonly config: SocketConfig,
    /** The holder's address, with the port the kernel chose for port = 0. */
    private readonly address: SocketAddress,
  ) {}

  /** Slot (watcher, wid)'s socket, bound and listening on first use. */
  get(watcher: string, wid: number): ChildSocket {
    const key = `${watcher}/${wid}`;
    let s = this.slots.get(key);
    if (!s) {
      const { fd } = createListener({ address: this.address, backlog: this.config.backlog, reuseport: true, interface: this.config.interface, blocking: this.config.blocking });
      s = { name: this.config.name, fd, inode: inodeOf(fd), slot: { watcher, wid } };
      this.slots.set(key, s);
      log.info(`socket ${this.config.name}: worker socket for ${key} listening (fd ${fd}, inode ${s.inode})`);
    }
    return s;
  }

  /** A slot that no longer exists (decr, watcher removed): its socket closes. */
  release(watcher: string, wid?: number): void {
    for (const [key, s] of this.slots) {
      if (s.slot!.watcher !== watcher || (wid !== undefined && s.slot!.wid !== wid)) continue;
      closeFd(s.fd);
      this.slots.delete(key);
      log.info(`socket ${this.config.name}: closed the worker socket of ${key}`);
    }
  }

  list(): ChildSocket[] {
    return [...this.slots.values()].sort((a, b) => a.slot!.watcher.localeCompare(b.slot!.watcher) || a.slot!.wid - b.slot!.wid);
  }

  closeAll(): void {
    for (const s of this.slots.values()) closeFd(s.fd);
    this.slots.clear();
  }
}

const MIGRATE = '/proc/sys/net/ipv4/tcp_migrate_req';

/**
 * When a worker socket closes, the connections already queued on it are reset, unless the kernel
 * (5.14+) has net.ipv4.tcp_migrate_req = 1: then they move to another socket of the group. Turned
 * on when the kernel has it and we may (root); what happened is logged either way.
 */
export function enableMigrateReq(): void {
  let value: string;
  try {
    value = fs.readFileSync(MIGRATE, 'utf8').trim();
  } catch {
    return log.warn(`so_reuseport: this kernel has no net.ipv4.tcp_migrate_req (Linux < 5.14): connections still queued on a worker socket that a decr closes are reset`);
  }
  if (value === '1') return log.info('so_reuseport: net.ipv4.tcp_migrate_req = 1: connections queued on a closed worker socket move to another worker');
  try {
    fs.writeFileSync(MIGRATE, '1');
    log.info('so_reuseport: set net.ipv4.tcp_migrate_req = 1 (was 0) so connections queued on a closed worker socket move to another worker');
  } catch (err) {
    log.warn(`so_reuseport: cannot set net.ipv4.tcp_migrate_req = 1 (${(err as NodeJS.ErrnoException).code}; needs root): connections still queued on a worker socket that a decr closes are reset`);
  }
}
