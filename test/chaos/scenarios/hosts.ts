// npm run chaos -- --hosts: the multi-host scenarios (test/hosts) at chaos length, one cluster per
// backend and health-check placement, one report row per scenario.
import fs from 'node:fs';
import { Cluster, CLUSTER_DEFAULTS } from '../../hosts/cluster.js';
import type { CheckPolicy } from '../../hosts/haproxy.js';
import { netnsUnavailable } from '../../hosts/netns.js';
import { NGINX_BIN } from '../../hosts/nginx.js';
import { failures, hostFailure, restartWithoutStopDelay, rollingDeploy, rollingRestart, rollingRestartBehindNginx, scaleOut, type HostsResult } from '../../hosts/scenarios.js';
import type { BackendName } from '../worker-matrix.js';
import { loadFigures, type Row } from '../report.js';
import type { Scale } from '../scenarios.js';

function row(r: HostsResult, backend: string, t0: number): Row {
  const bad = failures(r);
  return {
    scenario: r.scenario, backend, verdict: bad.length ? 'FAIL' : 'pass', ...loadFigures(r.load),
    notes: [...r.notes, ...(Object.keys(r.load.causes).length ? [`failures: ${JSON.stringify(r.load.causes)}`] : []), ...bad], ms: performance.now() - t0,
  };
}

type Step = (c: Cluster) => Promise<HostsResult>;

/** One cluster, the steps in order on it, a row each; a step that throws ends the cluster's run. */
async function onCluster(backend: BackendName, via: CheckPolicy['via'], steps: Step[]): Promise<Row[]> {
  const label = `${backend}, checks: ${via === 'supervisor' ? 'supervisor /health' : 'worker /healthz'}`;
  const rows: Row[] = [];
  const c = await Cluster.up({ ...CLUSTER_DEFAULTS, backend, checks: { ...CLUSTER_DEFAULTS.checks, via } });
  try {
    for (const step of steps) {
      const t0 = performance.now();
      try {
        rows.push(row(await step(c), label, t0));
      } catch (err) {
        rows.push({ scenario: `${step.name || 'step'} (crashed)`, backend: label, verdict: 'FAIL', notes: [(err as Error).message.slice(0, 500)], ms: performance.now() - t0 });
        break;
      }
    }
  } finally {
    await c.down();
  }
  return rows;
}

/** Each entry yields the rows of one cluster. */
export function hostsScenarios(backends: BackendName[], s: Scale): (() => Promise<Row[]>)[] {
  const skip = netnsUnavailable();
  if (skip) return [async () => [{ scenario: 'multi-host scenarios', backend: 'hosts', verdict: 'skipped', notes: [skip], ms: 0 }]];
  const deployRounds = Math.max(1, Math.round(s.durationMs / 10000));
  const restartRounds = Math.max(1, Math.round(s.durationMs / 20000));
  return backends.flatMap((b) => [
    () => onCluster(b, 'supervisor', [
      (c) => rollingDeploy(c, deployRounds),
      (c) => rollingRestart(c, restartRounds),
      restartWithoutStopDelay,
      (c) => hostFailure(c, 'sigkill'),
      (c) => hostFailure(c, 'link'),
      // nginx sees only the first three hosts: before the scale out.
      ...(fs.existsSync(NGINX_BIN) ? [(c: Cluster) => rollingRestartBehindNginx(c, restartRounds)] : []),
      scaleOut,
    ]),
    () => onCluster(b, 'worker', [(c) => rollingDeploy(c, 1), (c) => rollingRestart(c, restartRounds), (c) => hostFailure(c, 'sigkill')]),
  ]);
}
