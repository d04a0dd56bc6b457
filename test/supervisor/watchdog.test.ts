// The watchdog with the real circus-worker: a worker whose event loop is blocked is SIGKILLed and
// replaced within `timeout` + 2 s while the other workers keep serving; a slow request is not a
// blocked loop; timeout = 0 turns it off; stats show each worker's heartbeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { waitFor, waitForOutput } from '../helpers/process.js';
import { startLoad } from '../helpers/load.js';
import { request, targetOf } from '../helpers/http.js';
import { alive } from '../helpers/proc-stats.js';
import { cleanup, startSupervisor, tempDir, waitForRunning, workerWatcher, type Running } from '../helpers/supervisor.js';

test.afterEach(cleanup);

async function supervisor(n: number, extra: string): Promise<{ r: Running; pids: number[] }> {
  const dir = tempDir();
  const r = await startSupervisor(`[circus]\nendpoint = unix://${dir}/ctl.sock\n\n${workerWatcher('web', `numprocesses = ${n}\ngraceful_timeout = 1\n${extra}`)}\n[socket:web]\nhost = 127.0.0.1\nport = 0\n`, { dir });
  return { r, pids: await waitForRunning(r, 'web', n, 30000, false) };
}

/** CPU ticks (user + system) a process has used, from /proc. */
function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

const KILLED = /web: process (\d+) missed its heartbeat for 2 s \(event loop blocked\); killed/;

test('a worker blocked in a loop is killed and replaced within timeout + 2 s; the load on the socket sees nothing refused', async (t) => {
  const { r, pids } = await supervisor(2, 'timeout = 2\nflapping.attempts = 1000');
  const address = r.sockets.get('web')!;
  const load = startLoad(targetOf(address), { connections: 8, durationMs: 8000, keepAlive: true, timeoutMs: 20000 });
  await waitFor(() => load.snapshot().ok > 200, 'the load to be served');
  const t0 = Date.now();
  const spin = request(address, '/spin', { timeoutMs: 20000 }).then(
    (a) => `answered ${a.status}`,
    (err: Error) => err.message,
  );
  const [, victim] = (await waitFor(() => KILLED.exec(r.proc.stderr()), 'the watchdog to kill the blocked worker', 15000))!;
  const killedMs = Date.now() - t0;
  const now = (await waitFor(async () => {
    const running = await waitForRunning(r, 'web', 2, 15000, false);
    return running.includes(Number(victim)) ? undefined : running;
  }, 'a replacement to run', 15000))!;
  const replacedMs = Date.now() - t0;
  const rep = await load.done;
  t.diagnostic(`killed after ${killedMs} ms, replaced (READY) after ${replacedMs} ms; spin request: ${await spin}; load ${JSON.stringify({ sent: rep.sent, ok: rep.ok, failed: rep.failed, refused: rep.refused, causes: rep.causes })}`);
  assert.ok(pids.includes(Number(victim)), `the killed process ${victim} was one of the workers ${pids}`);
  assert.equal(alive(Number(victim)), false);
  assert.ok(replacedMs <= 4000, `replaced within timeout + 2 s: ${replacedMs} ms`);
  assert.equal(now.length, 2);
  // Counted as a crash (the line may reach this process after the replacement's status does).
  await waitForOutput(r.proc, new RegExp(`web: process ${victim} \\(wid \\d\\) exited unexpectedly \\(signal SIGKILL\\)`), 10000);
  assert.equal(rep.refused, 0, JSON.stringify(rep.causes));
  // Only what the blocked worker held: its share of the keep-alive connections, reset by the kill.
  assert.ok(rep.failed <= 8, JSON.stringify(rep.causes));
  assert.ok(rep.ok > 500);
});

test('a request that is merely slow (a long await) does not trip the watchdog', async () => {
  const { r, pids } = await supervisor(1, 'timeout = 2');
  const a = await request(r.sockets.get('web')!, '/slow?ms=5000', { timeoutMs: 20000 });
  assert.equal(a.status, 200);
  assert.equal(a.json().pid, pids[0]);
  assert.doesNotMatch(r.proc.stderr(), /missed its heartbeat/);
  assert.deepEqual(await waitForRunning(r, 'web', 1, 5000, false), pids);
});

test('timeout = 0 turns the watchdog off; heartbeats still show in stats', async () => {
  const { r, pids } = await supervisor(1, 'timeout = 0');
  const pid = pids[0];
  const info = (await waitFor(async () => {
    const s = (await r.ok('stats', { name: 'web' })).info as Record<string, { heartbeat_age?: number; loop_delay_ms?: number }>;
    return s[pid]?.heartbeat_age !== undefined ? s[pid] : undefined;
  }, 'a heartbeat in stats', 10000))!;
  assert.ok(info.heartbeat_age! < 3 && info.loop_delay_ms! >= 0, JSON.stringify(info));
  void request(r.sockets.get('web')!, '/spin', { timeoutMs: 1000 }).catch(() => {});
  const ticks = cpuTicks(pid);
  // Watch for 4 s (twice the timeout the other tests use): the loop spins and nothing kills it.
  await assert.rejects(waitFor(() => /missed its heartbeat/.test(r.proc.stderr()) || !alive(pid), 'a kill', 4000, 100), /timed out/);
  assert.ok(cpuTicks(pid) - ticks > 100, 'the worker was spinning all along');
  const stale = ((await r.ok('stats', { name: 'web' })).info as Record<string, { heartbeat_age: number }>)[pid];
  assert.ok(stale.heartbeat_age >= 3, `the heartbeat stopped: ${JSON.stringify(stale)}`);
});
