// Checks that fail on a backend for a reason outside this suite. They still run (as node:test
// `todo`, so a fix shows up as a passing todo) and the chaos runner reports them; the assertion
// itself is never weakened. Keyed by backend, then by check name.
import type { BackendName } from './lib/worker-under-test.js';

export const KNOWN_GAPS: Record<BackendName, Record<string, string>> = {
  node: {
    'stalled body':
      'node backend: requestTimeout is 0 and nothing else times a request body out, so a client that sends headers and part of a body, then nothing, holds its connection for ever (--idle-timeout covers headers and keep-alive only)',
  },
  uws: {},
};

export function gapFor(backend: BackendName, check: string): string | undefined {
  return KNOWN_GAPS[backend][check];
}
