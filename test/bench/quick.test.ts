// Smoke test of the benchmark suite: a tiny real run must serve traffic without errors from every
// contender that could start, write its reports, and leave no process behind, also after Ctrl-C.
// It asserts nothing about speed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BUILD, killAll, start, waitForOutput } from '../helpers/process.js';

const RUN = path.join(BUILD, 'bench/run.js');
// bun and deno run when bench/fetch-runtimes.sh has fetched them, and are reported unavailable otherwise.
const CONTENDERS = 'cluster,node-fd,pm2,circus-node-node,circus-uws-fetch,bun,deno';

after(killAll);

interface RunJson {
  contenders: { id: string; status: string; reason?: string; startupMs?: number; idleRssTotalMB?: number }[];
  measurements: { contender: string; result: { responses2xx: number; errors: number; timeouts: number; non2xx: number } }[];
}

/** Processes still carrying the run's marker in their environment. */
function leftovers(scratch: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`CIRCUS_BENCH_RUN=${scratch}`)) continue;
      if (/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))) continue;
      found.push(`${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function settled(scratch: string): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let left = leftovers(scratch);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftovers(scratch);
  }
  return left;
}

test('a quick run measures every available contender with no errors and cleans up', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const args = [RUN, '--quick', '--rounds', '1', '--duration', '1', '--warmup', '0', '--scenarios', 'hello', '--contenders', CONTENDERS, '--out', out, '--name', 'smoke'];
  const p = start(process.execPath, args);
  const scratch = (await waitForOutput(p, /Scratch directory: (\S+)/, 30_000))[1];
  const { code } = await p.exited;
  assert.equal(code, 0, p.stdout() + p.stderr());

  const run = (JSON.parse(fs.readFileSync(path.join(out, 'smoke.json'), 'utf8')) as { passes: RunJson[] }).passes[0];
  assert.ok(fs.statSync(path.join(out, 'smoke.md')).size > 0);
  assert.match(fs.readFileSync(path.join(out, 'smoke.svg'), 'utf8'), /^<svg /);
  const ran = run.contenders.filter((c) => c.status === 'ran');
  assert.ok(ran.some((c) => c.id === 'node-fd'), `the baseline did not run: ${JSON.stringify(run.contenders)}`);
  for (const c of run.contenders) {
    assert.notEqual(c.status, 'failed', `${c.id} failed: ${c.reason}`);
  }
  for (const c of ran) {
    const ms = run.measurements.filter((m) => m.contender === c.id);
    assert.ok(ms.length > 0, `${c.id} has no measurement`);
    for (const { result: r } of ms) {
      assert.ok(r.responses2xx > 0, `${c.id} served no 2xx response`);
      assert.equal(r.errors + r.timeouts + r.non2xx, 0, `${c.id}: ${JSON.stringify(r)}`);
    }
    assert.ok((c.startupMs ?? -1) >= 0 && (c.idleRssTotalMB ?? 0) > 0, `${c.id} lacks start-up time or RSS`);
  }
  assert.deepEqual(await settled(scratch), []);
  assert.equal(fs.existsSync(scratch), false, 'the scratch directory was not removed');
  fs.rmSync(out, { recursive: true, force: true });
});

test('SIGINT in the middle of a run stops every contender, PM2 daemon included', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const args = [RUN, '--rounds', '5', '--duration', '3', '--scenarios', 'hello', '--connections', '50', '--contenders', 'cluster,pm2', '--out', out, '--name', 'interrupted'];
  const p = start(process.execPath, args);
  const scratch = (await waitForOutput(p, /Scratch directory: (\S+)/, 30_000))[1];
  await waitForOutput(p, /Round 1\/5/, 60_000);
  assert.ok(leftovers(scratch).length > 0, 'expected the contenders to be running');
  p.child.kill('SIGINT');
  const { code } = await p.exited;
  assert.equal(code, 130, p.stdout() + p.stderr());
  assert.deepEqual(await settled(scratch), []);
  fs.rmSync(out, { recursive: true, force: true });
});
