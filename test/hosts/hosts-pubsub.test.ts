// Topics across hosts (--pubsub): two hosts behind a real HAProxy, each a network namespace
// running circus-supervisor with two workers of the room fixture, all on one redis-server in
// the load balancer's namespace. WebSocket clients go through HAProxy (its Unix socket frontend)
// to both hosts; a host SIGKILLed mid-stream must not stop the other's traffic. On each backend
// this Node runs. Needs root and haproxy (skipped with one line otherwise), and redis-server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, waitFor } from '../helpers/process.js';
import { PUBSUB_APP, seen } from '../websocket/broker-support.js';
import { BACKENDS, Client } from '../websocket/support.js';
import { Cluster, CLUSTER_DEFAULTS } from './cluster.js';
import { netnsUnavailable } from './netns.js';

interface Member {
  client: Client;
  host: string;
  pid: number;
}

/** The sequence numbers `c` got from the stream ("seq:N"), in arrival order. */
function seqs(c: Client): number[] {
  return seen(c).filter((m) => m.startsWith('seq:')).map((m) => Number(m.slice(4)));
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { name: backend, skip } of BACKENDS) describe(`WebSocket topics across two hosts behind HAProxy (--pubsub, one Redis; ${backend})`, { skip: netnsUnavailable() ?? skip }, () => {
  let c: Cluster | undefined;
  const members: Member[] = [];

  before(async () => {
    c = await Cluster.up({ ...CLUSTER_DEFAULTS, backend, hosts: 2, processes: 2, pubsub: true, app: PUBSUB_APP });
  });
  after(async () => {
    for (const m of members) m.client.ws.terminate();
    await c?.down();
    await killAll();
  });

  /** A client through HAProxy's `hosts` frontend; which host and worker it landed on. */
  async function join(name: string): Promise<Member> {
    const client = await Client.open(`ws+unix://${c!.lb.clientSocket}:/ws?name=${name}`);
    const { pid } = await client.nextJson<{ pid: number }>(`${name}'s hello`);
    const host = [...c!.hosts.values()].find((h) => h.workerPids().includes(pid));
    assert.ok(host, `${name} landed on pid ${pid}, a worker of no host`);
    return { client, host: host.name, pid };
  }

  test('clients through HAProxy on both hosts and all four workers each get every other client\'s message once, never their own', async (t) => {
    const workers = new Set([...c!.hosts.values()].flatMap((h) => h.workerPids()));
    assert.equal(workers.size, 4);
    // HAProxy alternates the hosts; in a host the kernel picks the worker, so join until each of
    // the four has two clients (a deadline, not a count: one worker may win several in a row).
    const count = (pid: number) => members.filter((m) => m.pid === pid).length;
    const spread = () => [...workers].every((pid) => count(pid) >= 2);
    const deadline = Date.now() + 30000;
    while (!spread() && Date.now() < deadline) {
      members.push(await join(`c${members.length}`));
      if (members.length > 8) await pause(50);
    }
    assert.ok(spread(), `clients per worker after 30 s: ${JSON.stringify([...workers].map(count))}`);
    t.diagnostic(`${members.length} clients: ${[...c!.hosts.keys()].map((h) => `${h} ${members.filter((m) => m.host === h).length}`).join(', ')}`);
    await waitFor(async () => (await c!.redis!.numsub('circus:room')) === 4, 'the four workers subscribed on Redis');

    const names = members.map((_, i) => `from-${i}`);
    members.forEach((m, i) => m.client.ws.send(names[i]));
    // One marker per worker, after everything else: Redis hands each worker its own messages back
    // in order, so once a worker's marker is through, a duplicate of its earlier messages is too.
    const markers = [...workers].map((pid) => members.findIndex((m) => m.pid === pid));
    markers.forEach((i) => members[i].client.ws.send(`marker-${i}`));
    for (const [i, m] of members.entries()) {
      const want = [...names.filter((_, j) => j !== i), ...markers.filter((j) => j !== i).map((j) => `marker-${j}`)];
      await waitFor(() => want.every((w) => seen(m.client).includes(w)), `client ${i} (${m.host}) getting every other message`, 20000);
    }
    for (const [i, m] of members.entries()) {
      assert.deepEqual(seen(m.client).filter((s) => s.startsWith('from-')).sort(), names.filter((_, j) => j !== i).sort(), `client ${i} on ${m.host}: each other client's message once, never its own`);
    }
  });

  test('h1 SIGKILLed (supervisor and workers) mid-stream: h2\'s subscribers get every message of h2\'s publisher, in order, no gap; h1\'s clients are cut', async (t) => {
    assert.ok(members.length >= 8, 'the first test left no clients');
    const [publisher, ...others] = members.filter((m) => m.host === 'h2');
    const onH1 = members.filter((m) => m.host === 'h1');
    let sent = 0;
    let stop = false;
    // Paced, not flooded: the stream must span the crash.
    const publishing = (async () => {
      for (; !stop && sent < 5000; sent++) {
        publisher.client.ws.send(`seq:${sent}`);
        await pause(5);
      }
    })();
    try {
      await waitFor(() => [...others, ...onH1].every((m) => seqs(m.client).length >= 20), 'every subscriber receiving the stream', 20000);
      const t0 = performance.now();
      const before = sent;
      await c!.host('h1').crash();
      await waitFor(() => onH1.every((m) => m.client.ws.readyState === m.client.ws.CLOSED), "h1's clients to see their connections end", 20000, 5);
      const closedMs = Math.round(performance.now() - t0);
      // Whoever connects now lands on h2 (HAProxy redispatches what h1 refuses) and gets the rest.
      const late = await join('late');
      assert.equal(late.host, 'h2');
      members.push(late);
      const from = sent;
      await waitFor(() => sent >= from + 100, '100 more messages sent after the crash', 20000);
      stop = true;
      await publishing;
      t.diagnostic(`${sent} messages; h1 killed after ${before}, its ${onH1.length} clients cut within ${closedMs} ms`);
    } finally {
      stop = true;
      await publishing;
    }
    for (const m of others) await waitFor(() => seqs(m.client).at(-1) === sent - 1, `the last message at a client of h2 (pid ${m.pid})`, 20000);
    for (const [i, m] of others.entries()) {
      const where = m.pid === publisher.pid ? "the publisher's worker" : 'the other worker, through Redis';
      assert.deepEqual(seqs(m.client), upTo(sent), `h2 subscriber ${i} on ${where}: every message, in order, once`);
    }
    assert.deepEqual(seqs(publisher.client), [], 'the publisher got its own messages');
    for (const m of onH1) assert.deepEqual(seqs(m.client), upTo(seqs(m.client).length), 'an h1 client: a gap-free prefix before its cut');
    const late = members.at(-1)!;
    await waitFor(() => seqs(late.client).at(-1) === sent - 1, 'the last message at the late client', 20000);
    const got = seqs(late.client);
    assert.ok(got.length > 0, 'the late client got nothing');
    assert.deepEqual(got, upTo(sent).slice(got[0]), 'the late client: every message from its first on, in order');
  });
});
