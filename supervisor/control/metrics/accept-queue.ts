// Accept-queue depth of the supervisor's listening sockets, from /proc/net/tcp{,6}: for a LISTEN
// socket the kernel shows the connections waiting to be accepted as rx_queue (its limit is only
// in netlink's sock_diag, so the limit reported is the configured backlog capped by
// net.core.somaxconn, as listen() caps it). Sockets are matched by inode (the link target of
// /proc/self/fd/N), so only our own listeners count. Unix sockets have no such figure.
import fs from 'node:fs';

/** inode → connections accepted by the kernel, not yet by a worker, of every LISTEN socket. */
const TCP_LISTEN = '0A';

function listeners(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel, or no /proc
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      out.set(f[9], parseInt(f[4].split(':')[1], 16));
    }
  }
  return out;
}

function inodeOf(fd: number): string | undefined {
  try {
    return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  } catch {
    return undefined;
  }
}

/** The accept-queue length of each of `fds` that is a TCP listener of ours (others are absent). */
export function acceptQueues(fds: number[]): Map<number, number> {
  const byInode = listeners();
  const out = new Map<number, number>();
  for (const fd of fds) {
    const q = byInode.get(inodeOf(fd) ?? '');
    if (q !== undefined) out.set(fd, q);
  }
  return out;
}

/** What listen(fd, backlog) makes of `backlog`: the kernel caps it at net.core.somaxconn. */
export function effectiveBacklog(backlog: number): number {
  try {
    return Math.min(backlog, Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));
  } catch {
    return backlog;
  }
}
