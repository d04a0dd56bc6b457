// /metrics end to end: real circus-workers under circus-supervisor, real requests, and the text
// read by a real Prometheus parser (Debian's python3-prometheus-client). http_requests_total
// must grow by exactly the requests answered, also across a SIGKILLed worker and a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { waitFor } from '../helpers/process.js';
import { cleanup, startSupervisor, tempDir, waitForRunning, watcherPids, workerWatcher, type Running } from '../helpers/supervisor.js';
import { request } from '../helpers/http.js';

test.afterEach(cleanup);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        out.append({'family': f.name, 'type': f.type, 'name': s.name, 'labels': s.labels, 'value': s.value})
print(json.dumps(out))
`;

/** Debian's python3, where python3-prometheus-client is installed (a pyenv python3 first on PATH may lack it). */
const PYTHON = '/usr/bin/python3';
const parserMissing = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser']).status === 0 ? false : 'needs python3-prometheus-client (apt-get install python3-prometheus-client)';

/** The supervisor's Prometheus text, through prometheus_client's parser (throws on bad text). */
export function parsePrometheus(text: string): (Sample & { family: string; type: string })[] {
  const r = spawnSync(PYTHON, ['-c', PARSE], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prometheus_client could not parse /metrics: ${r.stderr}\n${text}`);
  return JSON.parse(r.stdout);
}

async function scrape(r: Running) {
  return parsePrometheus(String((await r.ok('metrics', { format: 'prometheus' })).text));
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function send(address: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal((await request(address)).status, 200);
}

/** Polls until http_requests_total{code=200} is `n`, checking it never goes down meanwhile. */
async function waitForTotal(r: Running, n: number, seen: { last: number }) {
  const s = await waitFor(async () => {
    const s = await scrape(r);
    const total = value(s, 'http_requests_total', { watcher: 'web', code: '200' }) ?? 0;
    assert.ok(total >= seen.last, `http_requests_total went down: ${seen.last} -> ${total}`);
    assert.ok(total <= n, `http_requests_total ${total} is over the ${n} requests sent`);
    seen.last = total;
    return total === n ? s : undefined;
  }, `http_requests_total{code="200"} = ${n}`, 20000, 200);
  return s!;
}

test('/metrics parses and http_requests_total counts every answered request, across a SIGKILLed worker and a reload', { skip: parserMissing }, async () => {
  const dir = tempDir();
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n\n[socket:web]\nhost = 127.0.0.1\nport = 0\nbacklog = 77\n\n` + workerWatcher('web', 'numprocesses = 2\ngraceful_timeout = 5'), { dir });
  const address = r.sockets.get('web')!;
  const seen = { last: 0 };
  const before = await waitForRunning(r, 'web', 2, 30000, false);

  await send(address, 30);
  let s = await waitForTotal(r, 30, seen);
  // The histogram counts the same requests, with cumulative buckets ending at +Inf = _count.
  assert.equal(value(s, 'http_request_duration_seconds_count', { watcher: 'web' }), 30);
  assert.equal(value(s, 'http_request_duration_seconds_bucket', { watcher: 'web', le: '+Inf' }), 30);
  assert.ok(value(s, 'http_request_duration_seconds_bucket', { watcher: 'web', le: '10' }) === 30);
  assert.ok((value(s, 'http_request_duration_seconds_sum', { watcher: 'web' }) ?? -1) > 0);
  assert.equal(value(s, 'http_requests_in_flight', { watcher: 'web' }), 0);
  assert.equal(value(s, 'websocket_connections_open', { watcher: 'web' }), 0);
  for (const pid of before) {
    assert.ok((value(s, 'process_resident_memory_bytes', { watcher: 'web', pid: String(pid) }) ?? 0) > 10e6, `RSS of ${pid}`);
    assert.ok(value(s, 'process_cpu_seconds_total', { watcher: 'web', pid: String(pid) })! > 0, `CPU of ${pid}`);
    assert.ok(value(s, 'nodejs_eventloop_lag_seconds', { watcher: 'web', pid: String(pid) })! >= 0);
  }
  assert.equal(value(s, 'circus_watcher_crashes_total', { watcher: 'web' }), 0);
  assert.equal(value(s, 'circus_watcher_flapping', { watcher: 'web' }), 0);
  assert.equal(value(s, 'circus_socket_backlog', { socket: 'web' }), 77);
  assert.equal(value(s, 'circus_socket_accept_queue', { socket: 'web' }), 0);

  // A worker killed outright: its last report stays in the watcher's total.
  process.kill(before[0], 'SIGKILL');
  await waitFor(async () => {
    const pids = await watcherPids(r, 'web');
    return pids.length === 2 && !pids.includes(before[0]);
  }, 'the killed worker to be replaced');
  await waitForRunning(r, 'web', 2, 30000, false);
  await send(address, 20);
  s = await waitForTotal(r, 50, seen);
  assert.equal(value(s, 'circus_watcher_crashes_total', { watcher: 'web' }), 1);
  assert.equal(value(s, 'circus_watcher_restarts_total', { watcher: 'web' }), 1);
  assert.equal(value(s, 'process_resident_memory_bytes', { watcher: 'web', pid: String(before[0]) }), undefined, 'a dead pid has no series');

  // A reload replaces both; each drains and sends a last report, so nothing is lost.
  await r.ok('reload', { name: 'web' });
  await send(address, 10);
  s = await waitForTotal(r, 60, seen);
  assert.equal(value(s, 'http_request_duration_seconds_count', { watcher: 'web' }), 60);
  assert.equal(value(s, 'circus_watcher_restarts_total', { watcher: 'web' }), 3);
  assert.equal(value(s, 'circus_watcher_crashes_total', { watcher: 'web' }), 1);

  // With every worker stopped, connections wait in the supervisor's socket: the accept queue shows them.
  await r.ok('stop', { name: 'web' });
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const waiting = [1, 2, 3].map(() => net.connect(port, host).on('error', () => {}));
  try {
    await waitFor(async () => value(await scrape(r), 'circus_socket_accept_queue', { socket: 'web' }) === 3, 'an accept queue of 3', 10000, 100);
    assert.equal(value(await scrape(r), 'circus_watcher_processes', { watcher: 'web' }), 0);
    assert.equal(value(await scrape(r), 'http_requests_total', { watcher: 'web', code: '200' }), 60, 'the total outlives the processes');
  } finally {
    waiting.forEach((c) => c.destroy());
  }
});
