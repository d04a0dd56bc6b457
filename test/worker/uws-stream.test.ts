// Streaming on the uws backend: backpressure towards a slow client keeps worker memory
// bounded, and a client that goes away mid-stream aborts the request signal and the stream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { killAll, waitFor, type Spawned } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { rssKb } from '../helpers/proc-stats.js';
import { servingWorker } from '../helpers/worker.js';
import { uwsSkip } from '../helpers/uws-available.js';

let worker: Spawned;
let target: { host: string; port: number };
let release = () => {};

before(async () => {
  if (uwsSkip) return; // every test here skips: nothing to start
  ({ proc: worker, target, release } = await servingWorker('uws'));
});

after(async () => {
  await killAll();
  release();
});

const rssMb = (pid: number) => rssKb(pid) / 1024;

/** Downloads `path`, pausing 40 ms after every 4 MB, while sampling the worker's RSS. */
async function slowDownload(path: string, pid: number): Promise<{ bytes: number; peakMb: number }> {
  let peakMb = rssMb(pid);
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 100);
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
      const req = http.get({ ...target, path, agent: false }, (res) => {
        let total = 0;
        let mark = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total - mark >= 4 * 1024 * 1024) {
            mark = total;
            res.pause();
            setTimeout(() => res.resume(), 40);
          }
        });
        res.on('end', () => resolve(total));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(60000, () => req.destroy(new Error('download stalled')));
    });
    return { bytes, peakMb };
  } finally {
    clearInterval(sampler);
  }
}

test('a 200 MB chunked stream to a slow client keeps worker memory bounded', { skip: uwsSkip }, async (t) => {
  const pid = worker.child.pid!;
  const idle = rssMb(pid);
  const { bytes, peakMb } = await slowDownload('/stream?mb=200', pid);
  assert.equal(bytes, 200 * 1024 * 1024);
  t.diagnostic(`worker RSS idle ${idle.toFixed(1)} MB, peak while streaming 200 MB ${peakMb.toFixed(1)} MB`);
  // Without backpressure the pull-based stream would be drained into uWS's buffers (>200 MB).
  assert.ok(peakMb - idle < 80, `worker RSS grew from ${idle.toFixed(0)} MB to ${peakMb.toFixed(0)} MB while streaming 200 MB`);
});

test('a stream with a declared Content-Length goes out with tryEnd, bounded too', { skip: uwsSkip }, async () => {
  const pid = worker.child.pid!;
  const idle = rssMb(pid);
  const { bytes, peakMb } = await slowDownload('/stream?mb=64&sized=1', pid);
  assert.equal(bytes, 64 * 1024 * 1024);
  assert.ok(peakMb - idle < 80, `worker RSS grew from ${idle.toFixed(0)} MB to ${peakMb.toFixed(0)} MB`);
  const r = await request(target, '/stream?mb=1&sized=1');
  assert.equal(r.headers['content-length'], String(1024 * 1024));
  assert.equal(r.headers['transfer-encoding'], undefined);
});

test('a large string body reaches a slow client whole (written with backpressure)', { skip: uwsSkip }, async () => {
  const { bytes } = await slowDownload('/large?kb=16384', worker.child.pid!);
  assert.equal(bytes, 16 * 1024 * 1024);
});

test('a stream shorter than its declared Content-Length cuts the connection', { skip: uwsSkip }, async () => {
  await assert.rejects(request(target, '/short-sized'), /aborted|socket hang up|ECONNRESET/);
  assert.equal((await request(target, '/pid')).status, 200);
});

test('a client going away mid-stream aborts the request signal and cancels the stream', { skip: uwsSkip }, async () => {
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ ...target, path: '/endless?id=gone', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
  const seen = await waitFor(async () => {
    const list = (await request(target, '/aborted?id=gone')).json() as string[];
    return list.includes('signal') && list.includes('cancel') ? list : null;
  }, 'the app to record the abort');
  assert.deepEqual([...(seen as string[])].sort(), ['cancel', 'signal']);
  assert.doesNotMatch(worker.stderr(), /endless/, 'an abort is not logged as a handler failure');
});
