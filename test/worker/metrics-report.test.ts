// The worker's METRICS= reports on the supervisor's pipe: counts by status, the duration
// histogram, in-flight and client-gone requests, on each backend and handler kind, and a last
// report after the drain so nothing answered goes uncounted.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocket } from 'ws';
import type { Readable } from 'node:stream';
import { killAll, waitFor } from '../helpers/process.js';
import { request, targetOf } from '../helpers/http.js';
import { BACKENDS } from '../helpers/uws-available.js';
import { app, closeFd, runWorker, tcpListener } from '../helpers/worker.js';
import { BUCKETS, type MetricsReport as Report } from '../../sys/metrics-report.js';

after(killAll);

function pipeReader(channel: Readable) {
  const lines: string[] = [];
  let rest = '';
  channel.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  const reports = () => lines.filter((l) => l.startsWith('METRICS=')).map((l) => JSON.parse(l.slice(8)) as Report);
  return { lines, last: () => reports().at(-1) };
}

/** Starts a slow request and destroys its connection after `ms`, before any answer. */
function abandon(port: number, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false });
    req.on('error', () => resolve());
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

const CASES = [
  ...BACKENDS.map((backend) => ({ backend, file: app('fetch-app.ts'), ok: '/', created: '/bytes', failing: '/throw' as string | undefined, slow: '/slow?ms=1500', slowStatus: 200 })),
  { backend: 'node', file: app('node-app.mjs'), ok: '/', created: undefined, failing: '/throw', slow: '/slow?ms=1500', slowStatus: 200 },
  ...(BACKENDS.includes('uws') ? [{ backend: 'uws', file: app('native-app.ts'), ok: '/pid', created: undefined, failing: undefined, slow: '/slow?ms=1500', slowStatus: 202 }] : []),
];

for (const c of CASES) {
  test(`${c.backend} ${c.file.split('/').pop()}: METRICS= reports count each answered request by status and duration`, async () => {
    const listener = tcpListener();
    try {
      const w = runWorker(['--fd', '3', '--backend', c.backend, c.file], { stdio: ['ignore', 'pipe', 'pipe', listener.fd, 'pipe'], env: { ...process.env, CIRCUS_NOTIFY_FD: '4' } });
      const pipe = pipeReader(w.child.stdio[4] as Readable);
      await waitFor(() => pipe.lines.includes('READY=1'), 'READY=1');
      const target = targetOf(listener.address);
      const expected: Record<string, number> = {};
      const send = async (path: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const { status } = await request(target, path);
          expected[status] = (expected[status] ?? 0) + 1;
        }
      };
      await send(c.ok, 5);
      if (c.created) await send(c.created, 2);
      if (c.failing) await send(c.failing, 1);
      const fast = Object.values(expected).reduce((a, b) => a + b, 0);
      assert.ok(expected[200] === 5 && (!c.failing || expected[500] === 1), JSON.stringify(expected));

      const slow = request(target, c.slow);
      const during = (await waitFor(() => {
        const r = pipe.last();
        return r && r.inflight === 1 && r.count === fast ? r : undefined;
      }, 'a report with the slow request in flight'))!;
      assert.deepEqual(during.codes, expected);
      assert.equal((await slow).status, c.slowStatus);
      expected[c.slowStatus] = (expected[c.slowStatus] ?? 0) + 1;
      await abandon(listener.address.family === 'AF_UNIX' ? 0 : listener.address.port, c.slow, 300);
      expected[0] = 1;

      const settled = (await waitFor(() => {
        const r = pipe.last();
        return r && r.count === fast + 2 && r.inflight === 0 ? r : undefined;
      }, 'a report with every request finished'))!;
      assert.deepEqual(settled.codes, expected);
      // le=1 s holds the fast ones (and the one abandoned at 0.3 s), le=2.5 s the 1.5 s one too.
      const le = (bound: number) => settled.buckets[BUCKETS.indexOf(bound as (typeof BUCKETS)[number])];
      assert.equal(le(1), fast + 1);
      assert.equal(le(2.5), fast + 2);
      assert.ok(le(0.25) <= fast, `le=0.25: ${le(0.25)}`);
      assert.ok(settled.sum >= 1.5 + 0.3 && settled.sum < 10, `sum ${settled.sum}`);
      assert.ok(settled.rss > 10e6 && settled.cpu > 0 && settled.lag >= 0, JSON.stringify(settled));

      w.child.kill('SIGTERM');
      assert.equal((await w.exited).code, 0);
      // The last line, after STOPPING=1, is a final report with the same totals.
      const stopping = pipe.lines.indexOf('STOPPING=1');
      assert.ok(stopping > 0 && pipe.lines.at(-1)!.startsWith('METRICS='), pipe.lines.slice(-3).join(' | '));
      assert.deepEqual(pipe.last()!.codes, expected);
    } finally {
      closeFd(listener.fd);
    }
  });
}

test('without CIRCUS_NOTIFY_FD nothing is counted or sent (standalone worker)', async () => {
  const listener = tcpListener();
  try {
    const w = runWorker(['--fd', '3', '--backend', 'node', app('fetch-app.ts')], { stdio: ['ignore', 'pipe', 'pipe', listener.fd, 'pipe'] });
    const pipe = pipeReader(w.child.stdio[4] as Readable);
    await waitFor(() => /serving/.test(w.stderr()), 'the start line');
    assert.equal((await request(targetOf(listener.address))).status, 200);
    await new Promise((r) => setTimeout(r, 1300));
    w.child.kill('SIGTERM');
    await w.exited;
    assert.deepEqual(pipe.lines, []);
  } finally {
    closeFd(listener.fd);
  }
});

for (const backend of BACKENDS) {
  test(`${backend}: the report counts open WebSockets`, async () => {
    const listener = tcpListener();
    try {
      const file = new URL('../../../test/fixtures/ws/echo-app.mjs', import.meta.url).pathname;
      const w = runWorker(['--fd', '3', '--backend', backend, file], { stdio: ['ignore', 'pipe', 'pipe', listener.fd, 'pipe'], env: { ...process.env, CIRCUS_NOTIFY_FD: '4' } });
      const pipe = pipeReader(w.child.stdio[4] as Readable);
      await waitFor(() => pipe.lines.includes('READY=1'), 'READY=1');
      const { port } = listener.address as { port: number };
      const sockets = await Promise.all([1, 2].map(() => new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
      })));
      await waitFor(() => pipe.last()?.websockets === 2, 'a report with 2 WebSockets open');
      sockets.forEach((ws) => ws.close());
      await waitFor(() => pipe.last()?.websockets === 0, 'a report with none open');
      w.child.kill('SIGTERM');
      await w.exited;
    } finally {
      closeFd(listener.fd);
    }
  });
}
