// A worker must not outlive its supervisor (else it keeps the port): ask the kernel for a signal
// when the parent dies, then close the race where the parent died before we asked.
import { C, libc } from './libc.js';

/**
 * Arranges for `signal` when the parent process dies. `expectedParent` is the pid the parent
 * announced (CIRCUS_PARENT_PID); if we have already been re-parented, calls `onOrphaned` at once.
 * Returns false when prctl is unavailable (non-Linux or no koffi).
 */
export function dieWithParent(signal: number, expectedParent: number | undefined, onOrphaned: () => void): boolean {
  try {
    if (libc().prctl(C.PR_SET_PDEATHSIG, signal, 0, 0, 0) !== 0) return false;
  } catch {
    return false;
  }
  if (expectedParent !== undefined && process.ppid !== expectedParent) onOrphaned();
  return true;
}
