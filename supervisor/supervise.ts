// Runs a supervisor from a configuration, however it was built: read from an INI file
// (circus-supervisor) or made in memory (a one-command mode). Binds the endpoints, starts the
// arbiter, installs the signal handlers, says READY=1, and resolves with the exit code once
// everything has stopped. It never calls process.exit: that is the CLI's.
import { Arbiter } from './arbiter.js';
import type { CircusConfig } from './config/types.js';
import { dispatch } from './control/commands.js';
import { ControlServer } from './control/control-endpoint.js';
import { health } from './control/health.js';
import { json } from './control/http-answer.js';
import { HttpEndpoint } from './control/http-endpoint.js';
import { metricsRoute } from './control/metrics/exposition.js';
import { log } from './log.js';
import { installSignalHandlers } from './signals.js';
import { closeInheritedOnExec } from './sockets/inherited-fds.js';
import { notify } from '../sys/notify.js';

/** Resolves with the exit code (docs/exit-codes.md); a bind or endpoint error rejects. */
export async function supervise(config: CircusConfig): Promise<number> {
  // Before any child exists: nothing we inherited may reach the workers.
  closeInheritedOnExec();
  if (config.umask !== undefined) process.umask(config.umask);
  const arbiter = new Arbiter(config);
  const control = new ControlServer(arbiter, config.endpoint);
  const web = config.metricsEndpoint ? httpEndpoint(arbiter, config.metricsEndpoint) : undefined;
  const closeEndpoints = async () => void (await Promise.all([control.close(), web?.close()]));
  arbiter.onStopped = closeEndpoints;
  await control.listen();
  try {
    // Before the watchers start: a load balancer sees 503 (not refused) until a worker is READY.
    await web?.listen();
    await arbiter.start();
  } catch (err) {
    arbiter.sockets.closeAll();
    await closeEndpoints();
    throw err;
  }
  installSignalHandlers((i) => arbiter.enqueue(i));
  const sockets = arbiter.sockets.summary();
  log.info(`ready: ${arbiter.watchers.size} watchers, sockets [${sockets}], endpoint ${control.address}`);
  notify('READY=1');
  const code = await arbiter.done;
  log.info(`stopped (exit ${code})`);
  return code;
}

/** [circus] metrics_endpoint: health for load balancers, the status body and /metrics, over HTTP. */
function httpEndpoint(arbiter: Arbiter, endpoint: NonNullable<CircusConfig['metricsEndpoint']>): HttpEndpoint {
  return new HttpEndpoint(endpoint)
    .get('/health', () => health(arbiter))
    .get('/health/:watcher', ([name]) => health(arbiter, name))
    // What the control endpoint answers `status` with (circus-ctl status --json), minus id and time.
    .get('/status', async () => json(200, { status: 'ok', ...(await dispatch(arbiter, { command: 'status' })) }))
    .get('/metrics', metricsRoute(arbiter));
}
