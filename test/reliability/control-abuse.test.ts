// Hostile input to the supervisor's control endpoint: every malformed or unknown message gets an
// error reply or a closed connection, an oversized message is cut without being buffered, a flood
// of idle connections does not stop the daemon from answering status, and it keeps supervising.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, waitFor } from '../helpers/process.js';
import { request } from '../helpers/http.js';
import { runningPids, type Running } from '../helpers/supervisor.js';
import { alive, fdCount, rssKb, settledFdCount } from '../helpers/proc-stats.js';
import { abuseControl, CONTROL_CASES, flood, oversized, type ControlVerdict } from '../chaos/scenarios/control-abuse.js';
import { superviseWeb } from '../chaos/scenarios/supervisor-setup.js';
import { oversizedProblems, statusDuringFloodProblems } from '../chaos/verdicts.js';

after(killAll);

describe('control endpoint abuse', () => {
  let r: Running;
  let path: string;
  let pid: number;
  let verdicts: ControlVerdict[];
  before(async () => {
    r = await superviseWeb({ backend: 'node', processes: 2 });
    path = r.endpoint.replace(/^unix:\/\//, '');
    pid = r.proc.child.pid!;
    await waitFor(async () => (await runningPids(r, 'web')).length === 2, 'workers up', 30000);
    verdicts = await abuseControl(path);
  });

  for (const c of CONTROL_CASES) {
    test(`${c.name} → ${c.okAllowed ? 'an answer' : c.replyRequired ? 'an error reply' : 'an error reply or a close'}`, () => {
      const v = verdicts.find((x) => x.name === c.name)!;
      assert.equal(v.problem, undefined, `${c.name}: ${v.problem}`);
    });
  }

  test('a 64 MiB message without a newline is cut early and does not grow the daemon', async (t) => {
    const rss0 = rssKb(pid);
    const o = await oversized(path, 64 * 2 ** 20);
    t.diagnostic(JSON.stringify({ closedAfterBytes: o.closedAfterBytes, reply: o.reply.slice(0, 120), rssBeforeKb: rss0, rssAfterKb: rssKb(pid) }));
    assert.deepEqual(oversizedProblems(o), []);
    assert.ok(rssKb(pid) - rss0 < 48 * 1024, `RSS ${rss0} → ${rssKb(pid)} kB`);
  });

  test('2,000 idle or half-sent connections: status is still answered, and their fds are released after', async (t) => {
    const fds0 = await settledFdCount(pid);
    const f = await flood(path, 2000);
    try {
      const t0 = performance.now();
      const status = await r.ctl('status');
      const ms = performance.now() - t0;
      t.diagnostic(JSON.stringify({ failedToConnect: f.failed, statusMs: Math.round(ms), fdsDuring: fdCount(pid), fdsBefore: fds0 }));
      assert.deepEqual(statusDuringFloodProblems(status.status, ms), []);
    } finally {
      for (const s of f.sockets) s.destroy();
    }
    const fds1 = await waitFor(async () => {
      const n = await settledFdCount(pid);
      return n <= fds0 ? n : undefined;
    }, 'the flood connections to be released', 20000, 100);
    assert.ok(fds1! <= fds0);
  });

  test('after all that the daemon is up, answers status and still supervises', async () => {
    assert.ok(alive(pid));
    assert.equal((await r.ctl('status')).status, 'ok');
    const [victim] = await runningPids(r, 'web');
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const p = await runningPids(r, 'web');
      return p.length === 2 && !p.includes(victim);
    }, 'the killed worker to be replaced', 30000);
    assert.equal((await request(r.sockets.get('web')!)).status, 200);
  });
});
