// uWebSockets.js backend: lands with issue #3. Until then it reports itself unavailable.
import type { Backend } from './types.js';

/** Loads the backend or throws an Error saying why uWebSockets.js cannot be used here. */
export async function loadUwsBackend(): Promise<Backend> {
  throw new Error('the uws backend is not built yet (issue #3); use --backend node');
}
