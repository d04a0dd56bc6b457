// Which of this process's fds Node (libuv) opened for itself: a watcher's `cmd` run by hand has
// no fd 3, but Node has filled 3 and up with its event loop's epoll/eventfd/io_uring handles,
// its self-pipes and /dev/null. Such an fd was not passed to us, whatever fstat says.
import fs from 'node:fs';

function target(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** What Node uses `fd` for (e.g. "anon_inode:[eventpoll]", "a pipe to itself"), or undefined if Node did not open it. */
export function nodeOwnUse(fd: number): string | undefined {
  if (fd < 3) return undefined;
  const link = target(fd);
  if (!link) return undefined;
  if (link.startsWith('anon_inode:')) return link;
  if (link === '/dev/null') return link;
  if (link.startsWith('pipe:')) {
    // Both ends of a pipe held by this process: one of libuv's self-pipes (signals, async wakeups).
    let others: string[];
    try {
      others = fs.readdirSync('/proc/self/fd');
    } catch {
      return undefined;
    }
    if (others.some((n) => Number(n) !== fd && target(Number(n)) === link)) return 'a pipe to itself';
  }
  return undefined;
}
