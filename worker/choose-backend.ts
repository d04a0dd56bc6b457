// Backend choice: explicit names must work or fail clearly; `auto` picks the fastest that loads.
// Each backend's modules are imported only once it is chosen, so a worker loads one backend, not
// both (node + Hono: 163 imports resolved at start-up instead of 202; every resolution is
// start-up time and, past V8's threshold, TurboFan's code pages in RSS: bench/README.md).
import { WorkerError } from './error-codes.js';
import { onceAcrossWorkers, type Logger } from './log.js';
import { checkServes, type Backend, type HandlerKind } from './contract.js';

const nodeBackend = async (): Promise<Backend> => (await import('./node/backend.js')).nodeBackend;
const loadUwsBackend = async (uwsModule?: string, uwsFrom?: readonly string[]): Promise<Backend> => (await import('./uws/backend.js')).loadUwsBackend(uwsModule, uwsFrom);

export type BackendChoice = 'auto' | 'node' | 'uws';

/** `uwsFrom`: the folders a uWS build is looked up from, the app's first. */
export async function chooseBackend(choice: BackendChoice, kind: HandlerKind, log: Logger, uwsModule?: string, uwsFrom?: readonly string[]): Promise<Backend> {
  if (choice !== 'auto') checkServes(choice, kind);
  if (choice === 'node') return nodeBackend();
  if (choice === 'uws' || kind === 'uws') {
    try {
      return await loadUwsBackend(uwsModule, uwsFrom);
    } catch (err) {
      const why = (err as Error).message;
      throw new WorkerError('EUWS_UNAVAILABLE', kind === 'uws' && choice !== 'uws' ? `the app exports a uws-native handler but uWebSockets.js is unavailable: ${why}` : `--backend uws is unavailable: ${why}`);
    }
  }
  // auto: node-style handlers run natively on node:http; fetch handlers prefer uWS.
  if (kind === 'node') return nodeBackend();
  try {
    return await loadUwsBackend(uwsModule, uwsFrom);
  } catch (err) {
    // Every worker of a watcher fails the same way: worker 1 says why, the others' start lines say backend=node.
    onceAcrossWorkers(log, 'warn')(`uWebSockets.js unavailable: ${(err as Error).message}; serving with the node backend`);
    return nodeBackend();
  }
}
