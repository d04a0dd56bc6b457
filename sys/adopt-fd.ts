// Moving an inherited listening socket under a server that can only open its own sockets
// (uWebSockets.js has no listen-on-fd). The server opens a throwaway listener; synchronously,
// before its event loop registers that fd with epoll, we find the fd it created and dup2 the
// inherited socket over it. From then on the server accepts on the inherited socket.
// Sockets are told apart by their /proc link target (socket:[inode]), never by fd number:
// listing /proc/self/fd itself briefly takes a number.
import fs from 'node:fs';
import os from 'node:os';
import { CodedError } from './coded-error.js';
import { C, errnoName, libc } from './libc.js';

class AdoptError extends CodedError {}

export type SocketSnapshot = Map<number, string>;

const FD_DIR = '/proc/self/fd';

/** fd → `socket:[inode]` for every open socket of this process. */
export function socketSnapshot(): SocketSnapshot {
  if (os.platform() !== 'linux') throw new AdoptError('EADOPT_PLATFORM', `fd adoption needs Linux /proc (this is ${os.platform()})`);
  const out: SocketSnapshot = new Map();
  let names: string[];
  try {
    names = fs.readdirSync(FD_DIR);
  } catch (err) {
    throw new AdoptError('EADOPT_PROC', `cannot list ${FD_DIR}: ${(err as Error).message}`);
  }
  for (const name of names) {
    let target: string;
    try {
      target = fs.readlinkSync(`${FD_DIR}/${name}`);
    } catch {
      continue; // the directory handle itself, or an fd closed meanwhile
    }
    if (target.startsWith('socket:')) out.set(Number(name), target);
  }
  return out;
}

/** The one socket fd that exists now and did not (with that target) in `before`. */
export function newSocketFd(before: SocketSnapshot): number {
  const fresh: number[] = [];
  for (const [fd, target] of socketSnapshot()) if (before.get(fd) !== target) fresh.push(fd);
  if (fresh.length !== 1) {
    throw new AdoptError('EADOPT_AMBIGUOUS', `expected exactly one new socket after opening the placeholder listener, found ${fresh.length}${fresh.length ? ` (fds ${fresh.join(', ')})` : ''}`);
  }
  return fresh[0];
}

function check(result: number, what: string): void {
  if (result < 0) {
    const name = errnoName(libc().errno());
    throw new AdoptError(name, `${what} failed: ${name}`);
  }
}

/**
 * Makes `target` refer to the socket `inherited` refers to, then closes `inherited`.
 * The socket is made non-blocking first: event-loop servers assume accept() never blocks.
 * `target` keeps its own close-on-exec flag, so the app's child processes do not inherit it.
 */
export function adoptOnto(inherited: number, target: number): void {
  if (inherited === target) throw new AdoptError('EADOPT_SAME', `fd ${inherited} cannot be adopted onto itself`);
  const lc = libc();
  const flags = lc.fcntl(inherited, C.F_GETFL, 0);
  check(flags, `fcntl(F_GETFL) on inherited fd ${inherited}`);
  check(lc.fcntl(inherited, C.F_SETFL, flags | C.O_NONBLOCK), `fcntl(O_NONBLOCK) on inherited fd ${inherited}`);
  const fdFlags = lc.fcntl(target, C.F_GETFD, 0);
  check(fdFlags, `fcntl(F_GETFD) on placeholder fd ${target}`);
  check(lc.dup2(inherited, target), `dup2(${inherited}, ${target})`);
  // dup2 clears FD_CLOEXEC on the new fd; restore what the server chose for its own socket.
  check(lc.fcntl(target, C.F_SETFD, fdFlags), `fcntl(F_SETFD) on fd ${target}`);
  check(lc.close(inherited), `close(${inherited})`);
}
