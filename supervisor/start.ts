// One supervisor, two front doors: circus-supervisor (an INI file) and `circus-worker --workers N`
// (a config built in memory) both start the Arbiter here, with its control endpoint (optional) and
// its HTTP endpoint (health, status, metrics). Signal handling and the start line stay with each door.
import { Arbiter } from './arbiter.js';
import type { CircusConfig } from './config/types.js';
import { dispatch } from './control/commands.js';
import { ControlServer } from './control/control-endpoint.js';
import { health } from './control/health.js';
import { json } from './control/http-answer.js';
import { HttpEndpoint } from './control/http-endpoint.js';
import { metricsRoute } from './control/metrics/exposition.js';

export interface StartOptions {
  /** Listen on config.endpoint (circus-ctl). Default true; the one-command mode opens it only when asked. */
  control?: boolean;
}

export interface Started {
  arbiter: Arbiter;
  /** The control endpoint's address (the real port when 0 was asked), or undefined without one. */
  controlAddress?: string;
  /** The HTTP endpoint's address (metrics_endpoint), likewise. */
  metricsAddress?: string;
}

/** Opens the endpoints, binds every socket and starts the watchers; on failure, closes what it opened. */
export async function startSupervisor(config: CircusConfig, opts: StartOptions = {}): Promise<Started> {
  if (config.umask !== undefined) process.umask(config.umask);
  const arbiter = new Arbiter(config);
  const control = opts.control === false ? undefined : new ControlServer(arbiter, config.endpoint);
  const web = config.metricsEndpoint ? httpEndpoint(arbiter, config.metricsEndpoint) : undefined;
  const closeEndpoints = async () => void (await Promise.all([control?.close(), web?.close()]));
  arbiter.onStopped = closeEndpoints;
  await control?.listen();
  try {
    // Before the watchers start: a load balancer sees 503 (not refused) until a worker is READY.
    await web?.listen();
    await arbiter.start();
  } catch (err) {
    arbiter.sockets.closeAll();
    await closeEndpoints();
    throw err;
  }
  return { arbiter, controlAddress: control?.address, metricsAddress: web?.address };
}

/** [circus] metrics_endpoint: health for load balancers and the status body, over HTTP. */
function httpEndpoint(arbiter: Arbiter, endpoint: NonNullable<CircusConfig['metricsEndpoint']>): HttpEndpoint {
  return new HttpEndpoint(endpoint)
    .get('/health', () => health(arbiter))
    .get('/health/:watcher', ([name]) => health(arbiter, name))
    // What the control endpoint answers `status` with (circus-ctl status --json), minus id and time.
    .get('/status', async () => json(200, { status: 'ok', ...(await dispatch(arbiter, { command: 'status' })) }))
    .get('/metrics', metricsRoute(arbiter));
}
