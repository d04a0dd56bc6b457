// vitest setupFiles entry for running a peer's test suite (Hono's) against the worker's
// FastResponse: installs it as globalThis.Response exactly as `circus-worker` does for fetch
// handlers, from the built worker module. See bench/README.md, "Compatibility".
import { installFastResponse } from '../../worker/fetch/response.js';

installFastResponse();
