// Many idle connections (connected, never sending a byte) while another client is still served.
import type net from 'node:net';
import type { Target } from '../../helpers/http.js';
import { request } from '../../helpers/http.js';
import { waitFor } from '../../helpers/process.js';
import { connect } from '../../helpers/raw.js';
import { fdCount, openFileLimit, rssKb, settledFdCount } from '../../helpers/proc-stats.js';

export interface IdleFloodResult {
  asked: number;
  /** Scaled down when this process or the worker may not hold that many fds. */
  opened: number;
  scaledBecause?: string;
  failedToConnect: number;
  workerFdsBefore: number;
  workerFdsDuring: number;
  rssBeforeKb: number;
  rssDuringKb: number;
  goodStatus: number;
  goodMs: number;
}

/** How many connections both sides can hold, leaving headroom for everything else. */
export function floodSize(asked: number, workerPid: number): { n: number; why?: string } {
  const room = Math.min(openFileLimit('self'), openFileLimit(workerPid)) - 1000;
  return room >= asked ? { n: asked } : { n: Math.max(100, room), why: `open-file limit ${room + 1000} (ulimit -n) allows ${Math.max(100, room)}` };
}

export async function idleFlood(target: Target, workerPid: number, asked: number, batch = 500): Promise<IdleFloodResult> {
  const { n, why } = floodSize(asked, workerPid);
  const sockets: net.Socket[] = [];
  let failed = 0;
  const fdsBefore = await settledFdCount(workerPid);
  const rssBeforeKb = rssKb(workerPid);
  try {
    for (let i = 0; i < n; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, () =>
          new Promise<void>((resolve) => {
            const s = connect(target);
            s.on('connect', () => resolve());
            s.on('error', () => {
              failed++;
              resolve();
            });
            sockets.push(s);
          }),
        ),
      );
    }
    // The server must really hold them (accepted), not just the kernel's backlog.
    await waitFor(() => fdCount(workerPid) >= fdsBefore + n - failed, `worker to accept ${n} connections`, 30000, 100);
    const fdsDuring = fdCount(workerPid);
    const t0 = performance.now();
    const good = await request(target, '/', { timeoutMs: 10000 });
    return {
      asked, opened: n, scaledBecause: why, failedToConnect: failed, workerFdsBefore: fdsBefore, workerFdsDuring: fdsDuring,
      rssBeforeKb, rssDuringKb: rssKb(workerPid), goodStatus: good.status, goodMs: performance.now() - t0,
    };
  } finally {
    for (const s of sockets) s.destroy();
    // Leave the worker as we found it: the next check must not race 10,000 closing connections.
    await waitFor(() => fdCount(workerPid) <= fdsBefore + 10, 'the worker to release the idle connections', 60000, 100).catch(() => undefined);
  }
}
