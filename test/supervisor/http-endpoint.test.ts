// [circus] metrics_endpoint and stop_delay: GET /health, /health/NAME and /status over real
// HTTP; a stop first turns health to 503 (and tells the workers) for stop_delay seconds while the
// workers keep serving, then stops as before.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http.js';
import { waitFor, waitForOutput } from '../helpers/process.js';
import { cleanup, startSupervisor, tempDir, WORKER_APP, type Running } from '../helpers/supervisor.js';

afterEach(cleanup);

function ini(dir: string, circus = '', watcher = '', workerArgs = ''): string {
  return `[circus]
endpoint = unix://${dir}/ctl.sock
metrics_endpoint = tcp://127.0.0.1:0
${circus}

[socket:web]
host = 127.0.0.1
port = 0

[watcher:web]
cmd = circus-worker --fd $(circus.sockets.web) --backend node ${workerArgs} ${WORKER_APP}
use_sockets = True
numprocesses = 2
${watcher}
`;
}

async function start(circus = '', watcher = '', workerArgs = '', env: NodeJS.ProcessEnv = {}): Promise<Running & { http: string }> {
  const dir = tempDir();
  const r = await startSupervisor(ini(dir, circus, watcher, workerArgs), { dir, env });
  const [, address] = await waitForOutput(r.proc, /http endpoint on tcp:\/\/(\S+)/);
  return { ...r, http: address };
}

/** One request on a fresh connection; `body` parsed when it is JSON. */
async function get(address: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; raw: string; body: any }> {
  const r = await request(address, path, { method, timeoutMs: 10000 });
  let body: unknown = r.body;
  try {
    body = JSON.parse(r.body);
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, headers: r.headers, raw: r.body, body };
}

test('GET /health and /health/NAME: 503 until a worker is READY, then 200; one line of JSON', async () => {
  // Each worker takes 4 s to load its app, so the first answers come before any READY=1.
  const r = await start('', '', '', { APP_LOAD_DELAY_MS: '4000' });
  const early = await get(r.http, '/health');
  assert.equal(early.status, 503, early.raw);
  assert.match(early.body.reason, /web: active, 0 of 2 processes ready/);
  await waitFor(async () => (await get(r.http, '/health')).status === 200, '/health 200', 30000);
  const ok = await get(r.http, '/health');
  assert.match(ok.raw, /^[^\n]+\n$/);
  assert.equal(ok.headers['content-type'], 'application/json');
  assert.equal(ok.body.status, 'ok');
  assert.ok(ok.body.watchers.web.ready >= 1, ok.raw);
  assert.equal((await get(r.http, '/health/web')).status, 200);
  const missing = await get(r.http, '/health/nope');
  assert.equal(missing.status, 404);
  assert.match(missing.body.reason, /no watcher named "nope"/);
});

test('GET /status is the body of circus-ctl status --json; other paths 404, other methods 405', async () => {
  const r = await start();
  const s = await get(r.http, '/status');
  assert.equal(s.status, 200);
  const { id: _id, time: _time, ...fromCtl } = await r.ok('status');
  assert.deepEqual(s.body, fromCtl);
  assert.equal((await get(r.http, '/nothing')).status, 404);
  const post = await get(r.http, '/health', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  const head = await get(r.http, '/status', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.raw, '');
  assert.equal((await get(r.http, '/health/%E0%A4%A')).status, 400);
});

test('a stopped watcher makes /health/NAME 503 and leaves /health to the others', async () => {
  const r = await start();
  await waitFor(async () => (await get(r.http, '/health')).status === 200, '/health 200', 30000);
  await r.ok('stop', { name: 'web' });
  assert.equal((await get(r.http, '/health/web')).status, 503);
  // No watcher left that should run: nothing serves, so the host is unhealthy.
  const all = await get(r.http, '/health');
  assert.equal(all.status, 503);
  assert.match(all.body.reason, /no watcher is running/);
});

test('stop_delay = 2: on SIGTERM /health and the workers\' --health-path answer 503 at once, the app still serves, the exit comes after the delay', async () => {
  const r = await start('stop_delay = 2', '', '--health-path /healthz');
  const app = r.sockets.get('web')!;
  await waitFor(async () => (await get(r.http, '/health')).status === 200, '/health 200', 30000);
  await waitFor(async () => (await get(app, '/healthz')).status === 200, 'worker /healthz 200', 30000);
  const t0 = performance.now();
  r.proc.child.kill('SIGTERM');
  await waitFor(async () => (await get(r.http, '/health')).status === 503, '/health 503 after SIGTERM', 5000, 10);
  assert.ok(performance.now() - t0 < 1500, `503 only after ${Math.round(performance.now() - t0)} ms`);
  assert.match((await get(r.http, '/health')).body.reason, /the supervisor is stopping/);
  await waitFor(async () => (await get(app, '/healthz')).status === 503, 'worker /healthz 503 (LAMEDUCK=1)', 5000, 10);
  // The workers still serve the app during the delay.
  const served = await get(app, '/');
  assert.equal(served.status, 200);
  assert.equal(typeof served.body.pid, 'number');
  const exit = await r.proc.exited;
  assert.equal(exit.code, 0);
  assert.ok(performance.now() - t0 >= 2000, `exited after ${Math.round(performance.now() - t0)} ms, before stop_delay`);
  assert.match(r.proc.stderr(), /stop_delay: health answers 503 for 2 s/);
});

test('stop_delay applies to circus-ctl quit too', async () => {
  const r = await start('stop_delay = 2');
  await waitFor(async () => (await get(r.http, '/health')).status === 200, '/health 200', 30000);
  const t0 = performance.now();
  await r.ok('quit');
  await waitFor(async () => (await get(r.http, '/health')).status === 503, '/health 503 after quit', 5000, 10);
  assert.equal((await r.proc.exited).code, 0);
  assert.ok(performance.now() - t0 >= 2000, `exited after ${Math.round(performance.now() - t0)} ms, before stop_delay`);
});

test('a second SIGTERM during stop_delay kills at once (exit 5)', async () => {
  const r = await start('stop_delay = 60');
  await waitFor(async () => (await get(r.http, '/health')).status === 200, '/health 200', 30000);
  r.proc.child.kill('SIGTERM');
  await waitFor(async () => (await get(r.http, '/health')).status === 503, '/health 503 after SIGTERM', 5000, 10);
  r.proc.child.kill('SIGTERM');
  assert.equal((await r.proc.exited).code, 5, r.proc.stderr());
});

test('metrics_endpoint on a non-loopback address needs metrics_endpoint_allow_remote (exit 2 naming the key)', async () => {
  const dir = tempDir();
  const text = ini(dir).replace('metrics_endpoint = tcp://127.0.0.1:0', 'metrics_endpoint = tcp://0.0.0.0:0');
  await assert.rejects(startSupervisor(text, { dir }), /metrics_endpoint.*not a loopback address.*metrics_endpoint_allow_remote/s);
});

test('GET /metrics serves the Prometheus text the workers reported, over HTTP', async () => {
  const r = await start();
  await waitForOutput(r.proc, /ready: \d+ watchers/, 30000);
  for (let i = 0; i < 5; i++) assert.equal((await request(r.sockets.get('web')!, '/')).status, 200);
  // Workers report once a second: poll until the five answers show up in the HTTP body.
  const m = await waitFor(async () => {
    const a = await get(r.http, '/metrics');
    const total = [...a.raw.matchAll(/^http_requests_total\{watcher="web",code="200"\} (\d+)$/gm)].reduce((n, x) => n + Number(x[1]), 0);
    return total >= 5 ? a : undefined;
  }, "http_requests_total to reach 5 on /metrics", 20000, 200) as Awaited<ReturnType<typeof get>>;
  assert.equal(m.status, 200);
  assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(m.raw, /^# TYPE http_request_duration_seconds histogram$/m);
});
