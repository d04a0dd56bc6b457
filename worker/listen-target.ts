// Where the worker listens: an inherited fd (--fd, fd://N, systemd LISTEN_FDS) or a socket the
// worker binds itself (--bind, --unix) for standalone use. Every case ends as one validated fd,
// so backends only ever adopt fds.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import { WorkerError } from './error-codes.js';
import { createListener, describeListeningFd, SocketError, type FdDescription } from '../sys/sockets.js';

export interface ListenFlags {
  fd?: string;
  bind?: string;
  unix?: string;
}

export type ListenSpec =
  | { kind: 'fd'; fd: number; from: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string };

export interface Listening {
  listen: FdDescription;
  /** How the fd came to us, for the start line. */
  from: string;
  /** Cleanup for what the worker created itself (a Unix socket file). */
  cleanup(): void;
}

function parseFd(text: string, from: string): ListenSpec {
  if (!/^\d+$/.test(text)) throw new WorkerError('EFD', `${from}: '${text}' is not a file descriptor number`);
  return { kind: 'fd', fd: Number(text), from };
}

function parseHostPort(text: string, from: string): ListenSpec {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  if (!m) throw new WorkerError('EBIND', `${from}: '${text}' is not host:port ([v6]:port for IPv6), fd://N or unix://PATH`);
  const port = Number(m[2]);
  if (port > 65535) throw new WorkerError('EBIND', `${from}: port ${port} is out of range`);
  return { kind: 'tcp', host: m[1] || '0.0.0.0', port };
}

/** Turns the flags and the environment into one spec; exactly one source is allowed. */
export function listenSpec(flags: ListenFlags, env: NodeJS.ProcessEnv, pid: number): ListenSpec {
  const given = (['fd', 'bind', 'unix'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1) throw new WorkerError('ELISTEN', `give only one of --fd, --bind, --unix (got ${given.map((g) => '--' + g).join(', ')})`);
  if (flags.fd !== undefined) return parseFd(flags.fd.replace(/^fd:\/\//, ''), '--fd');
  if (flags.unix !== undefined) return { kind: 'unix', path: flags.unix.replace(/^unix:\/\//, '') };
  if (flags.bind !== undefined) {
    if (flags.bind.startsWith('fd://')) return parseFd(flags.bind.slice(5), '--bind');
    if (flags.bind.startsWith('unix://')) return { kind: 'unix', path: flags.bind.slice(7) };
    return parseHostPort(flags.bind, '--bind');
  }
  if (env.LISTEN_FDS) {
    if (env.LISTEN_PID && Number(env.LISTEN_PID) !== pid) {
      throw new WorkerError('ESYSTEMD', `LISTEN_PID=${env.LISTEN_PID} is not this process (${pid}); the fds were meant for another process`);
    }
    if (!(Number(env.LISTEN_FDS) >= 1)) throw new WorkerError('ESYSTEMD', `LISTEN_FDS=${env.LISTEN_FDS} passes no socket`);
    return { kind: 'fd', fd: 3, from: 'systemd' };
  }
  throw new WorkerError('ELISTEN', 'nowhere to listen: give --fd N (inherited socket), --bind host:port or --unix PATH, or start under systemd socket activation');
}

function describe(fd: number, from: string): FdDescription {
  try {
    return describeListeningFd(fd);
  } catch (err) {
    if (err instanceof SocketError) throw new WorkerError('EFD', `${from}: ${err.message}`);
    throw err;
  }
}

async function bindTcp(host: string, port: number): Promise<FdDescription> {
  let address = host;
  if (!net.isIP(host)) {
    try {
      address = (await dns.lookup(host)).address;
    } catch {
      throw new WorkerError('EBIND', `--bind: cannot resolve host '${host}'`);
    }
  }
  const family = net.isIPv6(address) ? 'AF_INET6' : 'AF_INET';
  try {
    return describe(createListener({ address: { family, host: address, port } }).fd, '--bind');
  } catch (err) {
    if (err instanceof SocketError) throw new WorkerError('EBIND', `--bind: ${err.message}`);
    throw err;
  }
}

/** Removes a leftover socket file nobody listens on; refuses to touch anything else. */
export async function clearStaleUnix(path: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new WorkerError('EBIND', `--unix: ${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const c = net.connect(path, () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
  if (live) throw new WorkerError('EBIND', `--unix: ${path} is in use by another server`);
  fs.unlinkSync(path);
}

export async function openListening(spec: ListenSpec): Promise<Listening> {
  if (spec.kind === 'fd') {
    return { listen: describe(spec.fd, spec.from === 'systemd' ? 'systemd LISTEN_FDS' : spec.from), from: spec.from === 'systemd' ? 'systemd' : `fd ${spec.fd}`, cleanup() {} };
  }
  if (spec.kind === 'tcp') return { listen: await bindTcp(spec.host, spec.port), from: 'bind', cleanup() {} };
  await clearStaleUnix(spec.path);
  let listen: FdDescription;
  try {
    listen = describe(createListener({ address: { family: 'AF_UNIX', path: spec.path } }).fd, '--unix');
  } catch (err) {
    if (err instanceof SocketError) throw new WorkerError('EBIND', `--unix: ${err.message}`);
    throw err;
  }
  return {
    listen,
    from: 'bind',
    cleanup() {
      try {
        fs.unlinkSync(spec.path);
      } catch {
        // already gone
      }
    },
  };
}
