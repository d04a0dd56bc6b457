// Several hosts behind a real HAProxy, each a network namespace running circus-supervisor (the
// short form; npm run chaos -- --only hosts runs all four scenarios longer). Needs root and
// haproxy; skipped with one line otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { Cluster, CLUSTER_DEFAULTS } from './cluster.js';
import { netnsUnavailable } from './netns.js';
import { failures, figures, restartWithoutStopDelay, rollingDeploy, type HostsResult } from './scenarios.js';

function assertPassed(r: HostsResult): void {
  assert.deepEqual(failures(r), [], figures(r));
}

describe('three hosts behind HAProxy under load', { skip: netnsUnavailable() }, () => {
  let c: Cluster | undefined;
  before(async () => {
    c = await Cluster.up({ ...CLUSTER_DEFAULTS, checks: { ...CLUSTER_DEFAULTS.checks, via: 'app' }, stopDelay: 0 });
  });
  after(async () => {
    await c?.down();
    await killAll();
  });

  test('rolling deploy (circus-ctl reloadconfig, host by host): 0 failed, only the new version answers', async (t) => {
    const r = await rollingDeploy(c!);
    t.diagnostic(figures(r));
    assertPassed(r);
  });

  test('control: restarting a host with stop_delay = 0 fails requests (HAProxy without retries)', async (t) => {
    const r = await restartWithoutStopDelay(c!);
    t.diagnostic(figures(r));
    assertPassed(r);
  });
});
