// The few libc calls Node has no API for, through koffi (prebuilt FFI, no compiler).
// Loaded lazily so a worker that never needs them never pays for (or fails on) the load.
import { createRequire } from 'node:module';
import os from 'node:os';
import { CodedError } from './coded-error.js';

const require = createRequire(import.meta.url);

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  listen(fd: number, backlog: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  getsockname(fd: number, addr: Buffer, len: Buffer): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  dup2(oldfd: number, newfd: number): number;
  close(fd: number): number;
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number;
  errno(): number;
}

let cached: Libc | undefined;

class LibcUnavailableError extends CodedError {
  constructor(message: string) {
    super('ELIBC', message);
  }
}

/** Returns the bound libc functions, or throws LibcUnavailableError with the reason. */
export function libc(): Libc {
  if (cached) return cached;
  if (os.platform() !== 'linux') {
    throw new LibcUnavailableError(`raw socket calls need Linux (this is ${os.platform()})`);
  }
  let koffi: any;
  try {
    koffi = require('koffi');
  } catch (err) {
    throw new LibcUnavailableError(`cannot load koffi (the FFI used for libc calls): ${(err as Error).message}`);
  }
  const lib = koffi.load('libc.so.6');
  // Variadic C functions (fcntl, prctl) are declared with fixed long arguments: safe on x86_64/arm64 ABIs.
  cached = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, void *, uint32_t)'),
    listen: lib.func('int listen(int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)'),
    getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
    getsockname: lib.func('int getsockname(int, void *, void *)'),
    fcntl: lib.func('int fcntl(int, int, long)'),
    dup2: lib.func('int dup2(int, int)'),
    close: lib.func('int close(int)'),
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    sendto: lib.func('long sendto(int, void *, size_t, int, void *, uint32_t)'),
    errno: () => koffi.errno() as number,
  };
  return cached;
}

/** Linux constants (x86_64 and arm64 agree on all of these). */
export const C = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_REUSEPORT: 15,
  SO_ACCEPTCONN: 30,
  SO_BINDTODEVICE: 25,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0o4000,
  PR_SET_PDEATHSIG: 1,
} as const;

/** errno number → symbolic name (EADDRINUSE …) using Node's own table. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}
