// Signal → intent. Handlers only enqueue; the arbiter does the work on its own queue.
import { log } from './log.js';

/** What a signal asks the arbiter for: SIGTERM/SIGINT/SIGQUIT stop (kill the second time), SIGHUP reload. */
export type Intent = 'stop' | 'reload' | 'kill';

export function installSignalHandlers(enqueue: (i: Intent) => void): () => void {
  let stopping = false;
  const onStop = (sig: NodeJS.Signals) => {
    log.info(`received ${sig}`);
    enqueue(stopping ? 'kill' : 'stop');
    stopping = true;
  };
  const onHup = () => {
    log.info('received SIGHUP');
    enqueue('reload');
  };
  const stops: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
  stops.forEach((s) => process.on(s, onStop));
  process.on('SIGHUP', onHup);
  return () => {
    stops.forEach((s) => process.off(s, onStop));
    process.off('SIGHUP', onHup);
  };
}
