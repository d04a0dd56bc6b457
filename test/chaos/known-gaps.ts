// Checks that fail on a backend for a reason outside this suite. They still run (as node:test
// `todo`, so a fix shows up as a passing todo) and the chaos runner reports them; the assertion
// itself is never weakened. Keyed by backend, then by check name.
import type { BackendName } from './lib/worker-under-test.js';

export const KNOWN_GAPS: Record<BackendName, Record<string, string>> = {
  node: {},
  uws: {},
};

export function gapFor(backend: BackendName, check: string): string | undefined {
  return KNOWN_GAPS[backend][check];
}

/** Supervisor checks that fail for a reason in circus-supervisor (same rules as above). */
export const SUPERVISOR_GAPS: Record<string, string> = {
  'inherited fds':
    'circus-supervisor: children inherit every fd the supervisor itself inherited without close-on-exec (a stray fd 40 given to the supervisor shows up in each worker); Circus closes them (close_fds); node spawn does not, so the supervisor must mark its inherited fds >= 3 close-on-exec at start',
  'remote endpoint warning':
    'circus-supervisor: with endpoint = tcp://0.0.0.0:PORT and endpoint_allow_remote = true it starts without any warning; issue #6 asks for a warning when the control endpoint is exposed',
};
