// Signal → intent. Handlers only enqueue; the arbiter does the work on its own queue.
import type { Intent } from './arbiter.js';
import { log } from './log.js';

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
