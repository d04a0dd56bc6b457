// Raw listening sockets: create one without accepting on it (the supervisor's job),
// and describe an inherited fd (the worker's first check).
import fs from 'node:fs';
import { nodeOwnUse } from './fd-origin.js';
import { CodedError } from './coded-error.js';
import { C, errnoName, libc } from './libc.js';
import { decodeSockaddr, encodeSockaddr, formatAddress, type SocketAddress } from './sockaddr.js';

/** `code` is the errno name of the failed call, or one of describeListeningFd's. */
export class SocketError extends CodedError {}

export interface ListenOptions {
  address: SocketAddress;
  backlog?: number;
  reuseport?: boolean;
  /** Bind to a network interface (SO_BINDTODEVICE). */
  interface?: string;
  /** Leave the fd blocking (Circus's `blocking`); workers set O_NONBLOCK themselves anyway. */
  blocking?: boolean;
  /** Unix sockets: mode to chmod the socket file to after bind. */
  mode?: number;
  /** false: bind only. With reuseport that holds the port while other sockets listen on it. */
  listen?: boolean;
}

export interface RawListener {
  fd: number;
  address: SocketAddress;
}

function fail(what: string, target: string): never {
  const errno = libc().errno();
  const name = errnoName(errno);
  throw new SocketError(name, `${what} ${target} failed: ${name}`);
}

function setIntOption(fd: number, level: number, name: number, value: number): number {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  return libc().setsockopt(fd, level, name, v, 4);
}

function getIntOption(fd: number, level: number, name: number): number | undefined {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4);
  return libc().getsockopt(fd, level, name, v, len) === 0 ? v.readInt32LE() : undefined;
}

/** socket + setsockopt + bind + listen (unless listen: false). The fd is close-on-exec; the spawner decides who inherits it. */
export function createListener(opts: ListenOptions): RawListener {
  const lc = libc();
  const { address } = opts;
  const domain = address.family === 'AF_UNIX' ? C.AF_UNIX : address.family === 'AF_INET6' ? C.AF_INET6 : C.AF_INET;
  const label = formatAddress(address);
  const sockaddr = encodeSockaddr(address);
  const fd = lc.socket(domain, C.SOCK_STREAM | C.SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket() for', label);
  try {
    if (address.family !== 'AF_UNIX') {
      if (setIntOption(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 1) !== 0) fail('SO_REUSEADDR on', label);
      if (address.family === 'AF_INET6' && setIntOption(fd, C.IPPROTO_IPV6, C.IPV6_V6ONLY, 1) !== 0) fail('IPV6_V6ONLY on', label);
      if (opts.reuseport && setIntOption(fd, C.SOL_SOCKET, C.SO_REUSEPORT, 1) !== 0) fail('SO_REUSEPORT on', label);
    }
    if (opts.interface) {
      const dev = Buffer.from(opts.interface + '\0');
      if (lc.setsockopt(fd, C.SOL_SOCKET, C.SO_BINDTODEVICE, dev, dev.length) !== 0) fail(`SO_BINDTODEVICE(${opts.interface}) on`, label);
    }
    if (lc.bind(fd, sockaddr, sockaddr.length) !== 0) fail('bind', label);
    if (address.family === 'AF_UNIX' && opts.mode !== undefined) fs.chmodSync(address.path, opts.mode);
    if (opts.listen !== false && lc.listen(fd, opts.backlog ?? 2048) !== 0) fail('listen on', label);
    if (!opts.blocking) setNonBlocking(fd);
    return { fd, address: localAddress(fd) ?? address };
  } catch (err) {
    lc.close(fd);
    throw err;
  }
}

export function localAddress(fd: number): SocketAddress | undefined {
  const buf = Buffer.alloc(128);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(buf.length);
  if (libc().getsockname(fd, buf, len) !== 0) return undefined;
  return decodeSockaddr(buf, len.readUInt32LE());
}

function setNonBlocking(fd: number): void {
  const lc = libc();
  const flags = lc.fcntl(fd, C.F_GETFL, 0);
  if (flags < 0 || lc.fcntl(fd, C.F_SETFL, flags | C.O_NONBLOCK) < 0) fail('fcntl(O_NONBLOCK) on fd', String(fd));
}

export function closeFd(fd: number): void {
  libc().close(fd);
}

/** Clears FD_CLOEXEC so a child started by exec keeps the fd (systemd-style hand-over). */
export function setInheritable(fd: number, inheritable: boolean): void {
  const lc = libc();
  const flags = lc.fcntl(fd, C.F_GETFD, 0);
  if (flags < 0) fail('fcntl(F_GETFD) on fd', String(fd));
  const next = inheritable ? flags & ~C.FD_CLOEXEC : flags | C.FD_CLOEXEC;
  if (lc.fcntl(fd, C.F_SETFD, next) < 0) fail('fcntl(F_SETFD) on fd', String(fd));
}

export interface FdDescription {
  fd: number;
  address: SocketAddress;
  label: string;
}

/**
 * Checks that `fd` is an open, listening stream socket and says where it listens.
 * Throws SocketError with code EBADF (not open) / ENOTSOCK / ENOTSTREAM / ENOTLISTENING / EFAMILY naming the fd.
 */
export function describeListeningFd(fd: number): FdDescription {
  const notPassed = (detail: string) =>
    new SocketError('EBADF', `fd ${fd} is not open in this process: no socket was passed there${detail}; run by hand, give --bind HOST:PORT instead`);
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch {
    throw notPassed('');
  }
  const own = stat.isSocket() ? undefined : nodeOwnUse(fd);
  if (own) throw notPassed(` (Node itself uses fd ${fd} for ${own})`);
  if (!stat.isSocket()) {
    throw new SocketError('ENOTSOCK', `fd ${fd} is not a socket (it is a ${fileKind(stat)})`);
  }
  const type = getIntOption(fd, C.SOL_SOCKET, C.SO_TYPE);
  if (type !== C.SOCK_STREAM) {
    throw new SocketError('ENOTSTREAM', `fd ${fd} is not a stream (TCP or Unix stream) socket`);
  }
  if (getIntOption(fd, C.SOL_SOCKET, C.SO_ACCEPTCONN) !== 1) {
    throw new SocketError('ENOTLISTENING', `fd ${fd} is a socket but not listening (the parent must bind and listen before passing it)`);
  }
  const address = localAddress(fd);
  if (!address) throw new SocketError('EFAMILY', `fd ${fd} is a listening socket of an unsupported address family`);
  return { fd, address, label: formatAddress(address) };
}

function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'pipe';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'regular file';
  return 'non-socket file';
}
