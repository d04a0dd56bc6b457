// The multi-host scenarios, each under steady load through HAProxy: rolling deploy, rolling
// restart of whole supervisors, a host failing (SIGKILL or link down) and coming back, scale out.
// Each returns its load figures and named checks; npm test and npm run chaos decide what to run.
import type { LoadResult } from '../helpers/load.js';
import { waitFor } from '../helpers/process.js';
import type { Cluster } from './cluster.js';
import type { Frontend } from './lb-load.js';
import type { Host } from './host.js';
import type { LbLoad, Snapshot } from './lb-load.js';

export type Check = [ok: boolean, why: string];

export interface HostsResult {
  scenario: string;
  load: LoadResult;
  checks: Check[];
  notes: string[];
}

interface Step {
  checks: Check[];
  notes: string[];
}

/** Load from before the first step until traffic flows again after the last; the load is always stopped. */
async function underLoad(c: Cluster, via: Frontend, scenario: string, failedBound: number, steps: (load: LbLoad, s: Step) => Promise<void>): Promise<HostsResult> {
  const load = c.startLoad(via, 600000);
  const s: Step = { checks: [], notes: [] };
  try {
    await load.flowing(50);
    await steps(load, s);
    await load.flowing(100);
  } catch (err) {
    await load.stop().catch(() => undefined);
    throw err;
  }
  const result = await load.stop();
  s.checks.unshift(
    [result.refused === 0, `${result.refused} connections refused by the load balancer`],
    [result.failed <= failedBound, `${result.failed} failed (bound ${failedBound}): ${JSON.stringify(result.causes)}`],
    [result.ok > 0, 'nothing was served'],
  );
  return { scenario: `${scenario} [through ${via === 'nginx' ? 'nginx' : `HAProxy backend ${via}`}]`, load: result, ...s };
}

/** Requests answered between two snapshots, per "host version". */
function servedBetween(a: Snapshot, b: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of Object.entries(b.byPid)) if (n - (a.byPid[k] ?? 0) > 0) out.set(k, n - (a.byPid[k] ?? 0));
  return out;
}

/** Waits for `n` more answers and returns who gave them. */
async function nextAnswers(load: LbLoad, n: number): Promise<Map<string, number>> {
  const a = await load.snapshot();
  const b = await load.flowing(n);
  return servedBetween(a, b);
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/** A host is taking traffic again: some of the next answers come from it (bounded wait). */
async function takesTraffic(load: LbLoad, h: Host): Promise<Check> {
  let got = 0;
  await waitFor(async () => {
    for (const [k, n] of await nextAnswers(load, 30)) if (k.startsWith(`${h.name} `)) got += n;
    return got > 0;
  }, `${h.name} answering through the load balancer`, 20000, 0).catch(() => undefined);
  return [got > 0, `${h.name} took no traffic after it came back`];
}

/** 1. For each host in turn: write the next app version, `circus-ctl reloadconfig`, wait until healthy. */
export function rollingDeploy(c: Cluster, rounds = 1): Promise<HostsResult> {
  return underLoad(c, 'no_retries', `rolling deploy: circus-ctl reloadconfig with a new app version, host by host (${rounds} round${rounds > 1 ? 's' : ''} over ${c.hosts.size} hosts)`, 0, async (load, s) => {
    for (let r = 0; r < rounds; r++) {
      for (const h of c.hosts.values()) {
        const downs = c.lb.transitions('no_retries', h.name, 'DOWN');
        const t0 = performance.now();
        await h.deploy(h.version + 1);
        await c.lb.waitUp(h.name);
        s.notes.push(`${h.name} → v${h.version} in ${ms(t0)} ms`);
        s.checks.push([c.lb.transitions('no_retries', h.name, 'DOWN') === downs, `HAProxy marked ${h.name} DOWN during its reload`]);
      }
    }
    const stale = [...(await nextAnswers(load, 100)).keys()].filter((k) => {
      const [host, version] = k.split(' ');
      return version !== `v${c.host(host).version}`;
    });
    s.checks.push([stale.length === 0, `old versions still answering after the deploy: ${stale.join(', ')}`]);
  });
}

/** One host's lame-duck stop and start again; the timings go into `s`. */
async function restartHost(c: Cluster, h: Host, s: Step): Promise<void> {
  const downs = c.lb.transitions('no_retries', h.name, 'DOWN');
  const t0 = performance.now();
  let downAt = Infinity;
  const marked = c.lb.waitTransition('no_retries', h.name, 'DOWN', downs, 60000).then(() => (downAt = ms(t0)));
  const exit = await h.terminate();
  const exitAt = ms(t0);
  await marked.catch(() => undefined);
  s.checks.push([exit.code === 0, `${h.name}: supervisor exited with ${JSON.stringify(exit)}`]);
  s.checks.push([downAt < exitAt, `${h.name}: HAProxy marked it DOWN at ${downAt} ms, after the supervisor exited at ${exitAt} ms`]);
  const t1 = performance.now();
  await h.start();
  await c.lb.waitUp(h.name);
  s.notes.push(`${h.name}: DOWN after ${downAt} ms, exited after ${exitAt} ms, UP again ${ms(t1)} ms after its start`);
}

/** 2. For each host in turn: SIGTERM its supervisor (stop_delay first), wait for the exit, start it again, wait until UP. */
export function rollingRestart(c: Cluster, rounds = 1, only?: string[]): Promise<HostsResult> {
  const hosts = [...c.hosts.values()].filter((h) => !only || only.includes(h.name));
  const which = only ? `hosts ${only.join(', ')}` : 'host by host';
  return underLoad(c, 'no_retries', `rolling restart of whole supervisors: SIGTERM (stop_delay ${c.opts.stopDelay} s), start again, ${which} (${rounds} round${rounds > 1 ? 's' : ''})`, 0, async (_load, s) => {
    for (let r = 0; r < rounds; r++) for (const h of hosts) await restartHost(c, h, s);
  });
}

/**
 * The control for scenario 2: the same restart of one host with stop_delay = 0 fails requests
 * (the host stops listening before HAProxy knows), so a 0 there is the lame duck's doing.
 */
export async function restartWithoutStopDelay(c: Cluster): Promise<HostsResult> {
  const h = c.host('h1');
  await h.setStopDelay(0);
  try {
    const r = await underLoad(c, 'no_retries', `control: the same restart of ${h.name} with stop_delay = 0`, Infinity, (_load, s) => restartHost(c, h, s));
    // Inverted on purpose: this run shows the scenario can fail.
    r.checks = [[r.load.failed > 0, 'no request failed without stop_delay: the rolling-restart scenario cannot tell'], [r.load.ok > 0, 'nothing was served']];
    return r;
  } finally {
    await h.setStopDelay(c.opts.stopDelay);
  }
}

/**
 * 2b. The same rolling restart behind nginx, whose open-source upstream module has no active
 * checks: a stopped host is found by its refused connections, retried on the next (proxy_next_upstream).
 */
export function rollingRestartBehindNginx(c: Cluster, rounds = 1): Promise<HostsResult> {
  if (!c.nginx) throw new Error('nginx is not installed (Debian package nginx)');
  return underLoad(c, 'nginx', `rolling restart of whole supervisors behind nginx (passive checks, proxy_next_upstream), host by host (${rounds} round${rounds > 1 ? 's' : ''})`, 0, async (load, s) => {
    for (let r = 0; r < rounds; r++) {
      for (const h of [...c.hosts.values()].slice(0, 3)) {
        const t0 = performance.now();
        const exit = await h.terminate();
        s.checks.push([exit.code === 0, `${h.name}: supervisor exited with ${JSON.stringify(exit)}`]);
        await h.start();
        s.checks.push(await takesTraffic(load, h));
        s.notes.push(`${h.name}: stopped, started and answering through nginx again after ${ms(t0)} ms`);
      }
    }
  });
}

/** 3. One host fails (its supervisor SIGKILLed, or its link taken down), is marked DOWN, comes back and takes traffic. */
export function hostFailure(c: Cluster, how: 'sigkill' | 'link'): Promise<HostsResult> {
  const h = c.host('h2');
  const what = how === 'sigkill' ? `SIGKILL ${h.name}'s supervisor (its workers get SIGTERM from PR_SET_PDEATHSIG), start it again` : `take ${h.name}'s link down, bring it back`;
  // What can fail is what was in flight on that host: at most one request per client.
  return underLoad(c, 'hosts', `host failure: ${what}`, c.opts.connections, async (load, s) => {
    const { interMs, fall, timeoutMs } = c.checks;
    const bound = fall * interMs + timeoutMs + 1500;
    const downs = c.lb.transitions('hosts', h.name, 'DOWN');
    const ups = c.lb.transitions('hosts', h.name, 'UP');
    const t0 = performance.now();
    if (how === 'sigkill') await h.kill();
    else c.setLink(h, false);
    await c.lb.waitTransition('hosts', h.name, 'DOWN', downs, 30000);
    const downMs = ms(t0);
    s.checks.push([downMs <= bound, `HAProxy marked ${h.name} DOWN after ${downMs} ms (bound ${bound} ms: fall ${fall} × inter ${interMs} ms + check timeout ${timeoutMs} ms + 1.5 s)`]);
    await load.flowing(100);
    if (how === 'sigkill') {
      await waitFor(() => h.workerPids().length === 0, `${h.name}'s orphaned workers to exit`, (c.opts.gracefulTimeout + 10) * 1000);
      s.notes.push(`DOWN after ${downMs} ms, orphaned workers gone after ${ms(t0)} ms`);
      await h.start();
    } else {
      s.notes.push(`DOWN after ${downMs} ms`);
      c.setLink(h, true);
    }
    await c.lb.waitTransition('hosts', h.name, 'UP', ups, 30000);
    await c.lb.waitUp(h.name);
    s.notes.push(`UP again ${ms(t0)} ms after the fault`);
    s.checks.push(await takesTraffic(load, h));
  });
}

/** 4. Scale out: a new host is built, started and added to HAProxy while the load runs. */
export function scaleOut(c: Cluster): Promise<HostsResult> {
  return underLoad(c, 'no_retries', `scale out: add host ${c.hosts.size + 1} to HAProxy at run time (add server)`, 0, async (load, s) => {
    const t0 = performance.now();
    const h = await c.addHost(c.hosts.size + 1);
    s.notes.push(`${h.name} UP ${ms(t0)} ms after it was created`);
    s.checks.push(await takesTraffic(load, h));
  });
}

export function failures(r: HostsResult): string[] {
  return r.checks.filter(([ok]) => !ok).map(([, why]) => why);
}

export function figures(r: HostsResult): string {
  const { sent, ok, failed, refused, causes } = r.load;
  return JSON.stringify({ sent, ok, failed, refused, causes, p99Ms: Math.round(r.load.p99Ms), notes: r.notes });
}
