// Which sockets a process holds, from /proc: socket inodes per fd, and which inode listens where.
import fs from 'node:fs';

/** fd number → socket inode, for every socket fd of `pid`. */
export function socketInodes(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.set(Number(fd), Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Inode of the TCP socket listening on `port` (IPv4 or IPv6), from /proc/net/tcp{,6}. */
export function listeningInode(port: number): number | undefined {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1].split(':')[1], 16) === port) return Number(f[9]);
    }
  }
  return undefined;
}

/** Local address (hex decoded) of the TCP socket listening on `port`, IPv4 only. */
export function listeningHost(port: number): string | undefined {
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [ip, p] = f[1].split(':');
    if (parseInt(p, 16) !== port) continue;
    return [3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return undefined;
}

/** Inode of the Unix socket bound at `path`, from /proc/net/unix. */
export function unixInode(path: string): number | undefined {
  for (const line of fs.readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[7] === path) return Number(f[6]);
  }
  return undefined;
}

/** Real, effective, saved and filesystem ids, and supplementary groups, from /proc/<pid>/status. */
export function credentials(pid: number): { uid: number[]; gid: number[]; groups: number[] } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const ids = (key: string) => (new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  return { uid: ids('Uid'), gid: ids('Gid'), groups: ids('Groups') };
}

/**
 * Connections waiting in the accept queue of the TCP socket listening on 127.0.0.1/0.0.0.0:`port`:
 * for a listening socket the kernel reports its accept backlog as rx_queue in /proc/net/tcp.
 */
export function acceptQueue(port: number): number | undefined {
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A' || parseInt(f[1].split(':')[1], 16) !== port) continue;
    return parseInt(f[4].split(':')[1], 16);
  }
  return undefined;
}
