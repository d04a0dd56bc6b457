// uws-native apps that opt into the worker's safe writer (uws(app, circus) → circus.writer(res))
// get bodies far over uWS's 16 KB cork buffer to a slow client whole and in order, simple,
// chunked and with a declared length, and the worker still counts and logs them. (uWS 20.30's
// cork-overflow loss itself needs a full socket at one exact moment, so no test provokes it.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { killAll, waitFor, type Spawned } from '../helpers/process.js';
import { uwsSkip } from '../helpers/uws-available.js';
import { request } from '../helpers/http.js';
import { app, servingWorker } from '../helpers/worker.js';

let worker: Spawned;
let target: { host: string; port: number };
let release = () => {};

before(async () => {
  if (uwsSkip) return; // every test here skips: nothing to start
  ({ proc: worker, target, release } = await servingWorker('uws', ['--access-log'], app('native-writer.ts')));
});

after(async () => {
  await killAll();
  release();
});

interface Download {
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** Offset of the first byte that is not the fixture's pattern, -1 when all are. */
  wrongAt: number;
}

/** Downloads `urlPath`, pausing 30 ms after every MB so the worker meets a full socket. */
function slowDownload(urlPath: string): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: urlPath, agent: false }, (res) => {
      let bytes = 0;
      let mark = 0;
      let wrongAt = -1;
      res.on('data', (c: Buffer) => {
        for (let i = 0; i < c.length && wrongAt < 0; i++) if (c[i] !== Math.floor((bytes + i) / 1024) % 251) wrongAt = bytes + i;
        bytes += c.length;
        if (bytes - mark >= 1024 * 1024) {
          mark = bytes;
          res.pause();
          setTimeout(() => res.resume(), 30);
        }
      });
      res.on('end', () => resolve({ headers: res.headers, bytes, wrongAt }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60000, () => req.destroy(new Error(`download of ${urlPath} stalled`)));
  });
}

test('a simple body of 20 KB and of 8 MB reaches a slow client whole', { skip: uwsSkip }, async () => {
  for (const kb of [20, 8192]) {
    const d = await slowDownload(`/send?kb=${kb}`);
    assert.equal(d.bytes, kb * 1024);
    assert.equal(d.wrongAt, -1, `byte ${d.wrongAt} of the ${kb} KB body is wrong`);
    assert.equal(d.headers['content-length'], String(kb * 1024));
  }
});

test('a chunked body written in 64 KB and 1 MB pieces reaches a slow client whole', { skip: uwsSkip }, async () => {
  for (const piece of [64, 1024]) {
    const d = await slowDownload(`/stream?kb=16384&piece=${piece}`);
    assert.equal(d.headers['transfer-encoding'], 'chunked');
    assert.equal(d.bytes, 16 * 1024 * 1024);
    assert.equal(d.wrongAt, -1, `byte ${d.wrongAt} is wrong (${piece} KB pieces)`);
  }
});

test('a body of a declared length written in 100 KB pieces goes out with tryEnd, whole', { skip: uwsSkip }, async () => {
  const d = await slowDownload('/stream?kb=8192&piece=100&sized=1');
  assert.equal(d.headers['content-length'], String(8 * 1024 * 1024));
  assert.equal(d.headers['transfer-encoding'], undefined);
  assert.equal(d.bytes, 8 * 1024 * 1024);
  assert.equal(d.wrongAt, -1, `byte ${d.wrongAt} is wrong`);
});

test('the worker logs each of them, and the app hears of a client gone mid-stream', { skip: uwsSkip }, async () => {
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ ...target, path: '/stream?kb=65536&id=gone', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
  await waitFor(async () => (await request(target, '/aborted')).json().includes('gone'), 'the app to hear of the abort');
  await waitFor(() => /"GET \/stream\?kb=65536&id=gone" 0/.test(worker.stdout()), 'the abort in the access log');
  const log = worker.stdout();
  assert.match(log, /"GET \/send\?kb=8192" 200/);
  assert.match(log, /"GET \/stream\?kb=16384&piece=1024" 200/);
  assert.match(log, /"GET \/stream\?kb=8192&piece=100&sized=1" 200/);
});
