// --pubsub under circus-supervisor: two supervisors (as on two hosts) with two workers each,
// one real Redis set through the watcher's env (the uws build under test by --uws-module: a
// supervisor passes its workers no environment). Every client, whichever of the four workers it
// landed on, gets every other client's message exactly once; /metrics shows the broker counts.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/process.js';
import { Redis } from '../helpers/redis.js';
import { UWS_MODULE_FLAG } from '../helpers/uws-available.js';
import { cleanup, startSupervisor, tempDir, type Running } from '../helpers/supervisor.js';
import { PUBSUB_APP, seen } from './broker-support.js';
import { BACKENDS, Client } from './support.js';

afterEach(cleanup);

function ini(dir: string, backend: string, redis: Redis): string {
  return `[circus]
endpoint = unix://${dir}/ctl.sock

[socket:web]
host = 127.0.0.1
port = 0

[watcher:chat]
cmd = circus-worker --backend ${backend}${backend === 'uws' ? ` ${UWS_MODULE_FLAG}` : ''} --fd $(circus.sockets.web) ${PUBSUB_APP}
use_sockets = True
numprocesses = 2
graceful_timeout = 5
env = CIRCUS_PUBSUB_URL=${redis.url}
`;
}

/** Clients on `r` until each of its two workers has `each` of them. */
async function clientsOnBothWorkers(r: Running, name: string, each: number): Promise<Client[]> {
  const address = r.sockets.get('web')!;
  const byPid = new Map<number, Client[]>();
  const extra: Client[] = [];
  // Until both workers have their share; the second may still be starting, so a deadline, not a count.
  const deadline = Date.now() + 30000;
  for (let i = 0; Date.now() < deadline && !(byPid.size === 2 && [...byPid.values()].every((l) => l.length >= each)); i++) {
    if (i >= 8) await new Promise((r) => setTimeout(r, 100));
    const c = await Client.open(`ws://${address}/ws?name=${name}${i}`);
    const { pid } = await c.nextJson<{ pid: number }>('hello');
    const list = byPid.get(pid) ?? [];
    if (list.length < each) list.push(c);
    else extra.push(c);
    byPid.set(pid, list);
  }
  for (const c of extra) c.ws.terminate();
  assert.equal(byPid.size, 2, `clients of ${name} landed on ${byPid.size} worker(s) in 30 s`);
  return [...byPid.values()].flat();
}

for (const { name, skip } of BACKENDS) {
  describe(`--pubsub under two supervisors x two workers (${name})`, { skip }, () => {
    test('a message published on any worker reaches every subscriber once; /metrics counts it', async () => {
      const redis = await Redis.start();
      try {
        const dirs = [tempDir(), tempDir()];
        const sups = await Promise.all(dirs.map((d) => startSupervisor(ini(d, name, redis), { dir: d })));
        const clients = [...(await clientsOnBothWorkers(sups[0], 'x', 2)), ...(await clientsOnBothWorkers(sups[1], 'y', 2))];
        await waitFor(async () => (await redis.numsub('circus:room')) === 4, 'four workers subscribed');
        const names = clients.map((_, i) => `from-${i}`);
        clients.forEach((c, i) => c.ws.send(names[i]));
        for (const [i, c] of clients.entries()) await waitFor(() => names.every((n, j) => j === i || seen(c).includes(n)), `client ${i} getting the others' messages`);
        // One marker per worker: each client's worker gets at least three through Redis, after
        // anything it could have delivered twice.
        const markers = [0, 2, 4, 6].map((i) => `marker-${i}`);
        markers.forEach((m, k) => clients[k * 2].ws.send(m));
        for (const c of clients) await waitFor(() => markers.every((m, k) => clients[k * 2] === c || seen(c).includes(m)), 'the markers');
        for (const [i, c] of clients.entries()) {
          const got = seen(c).filter((m) => m.startsWith('from-')).sort();
          assert.deepEqual(got, names.filter((_, j) => j !== i).sort(), `client ${i}: each other message once, never its own`);
        }
        for (const r of sups) {
          const text = String((await r.ok('metrics', { format: 'prometheus' })).text);
          await waitFor(async () => {
            const t = String((await r.ok('metrics', { format: 'prometheus' })).text);
            return (t.match(/^circus_pubsub_connected\{watcher="chat",pid="\d+"\} 1$/gm) ?? []).length === 2 && /^circus_pubsub_received_total\{watcher="chat",pid="\d+"\} [1-9]/m.test(t);
          }, `broker counts in /metrics: ${text.split('\n').filter((l) => l.startsWith('circus_pubsub')).join('; ')}`, 20000, 200);
        }
        for (const c of clients) c.ws.terminate();
      } finally {
        await cleanup();
        await redis.stop();
      }
    });
  });
}
