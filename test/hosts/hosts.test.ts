// Several hosts behind a real HAProxy, each a network namespace running circus-supervisor: the
// short form of scenarios 1 and 2 (npm run chaos -- --hosts runs all of them, longer). Needs root
// and haproxy; skipped with one line otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll } from '../helpers/process.js';
import { Cluster, CLUSTER_DEFAULTS } from './cluster.js';
import { netnsUnavailable } from './netns.js';
import { failures, figures, restartWithoutStopDelay, rollingDeploy, rollingRestart, type HostsResult } from './scenarios.js';

function assertPassed(r: HostsResult): void {
  assert.deepEqual(failures(r), [], figures(r));
}

describe('three hosts behind HAProxy under load', { skip: netnsUnavailable() }, () => {
  let c: Cluster | undefined;
  before(async () => {
    c = await Cluster.up(CLUSTER_DEFAULTS);
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

  // Two of the three hosts, to keep npm test short (the control restarts the third); npm run
  // chaos -- --hosts restarts every host, several rounds.
  test('rolling restart of whole supervisors (SIGTERM, stop_delay 2 s = 4 check intervals, start again): 0 failed, each host DOWN before it exits', async (t) => {
    const r = await rollingRestart(c!, 1, ['h2', 'h3']);
    t.diagnostic(figures(r));
    assertPassed(r);
  });

  test('control: restarting a host with stop_delay = 0 fails requests (HAProxy without retries)', async (t) => {
    const r = await restartWithoutStopDelay(c!);
    t.diagnostic(figures(r));
    assertPassed(r);
  });
});
