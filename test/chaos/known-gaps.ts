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
