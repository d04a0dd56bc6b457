// An app written for `node app.js` calls listen() itself. Under the worker that opens a second
// port beside the worker's (or fails on a used one), and often exports nothing. Node announces
// every listen() call on a diagnostics channel, synchronously, so the worker can watch them
// while it imports the app and say what to change.
import dc from 'node:diagnostics_channel';

const CHANNEL = 'tracing:net.server.listen:asyncStart';

function describe(options: unknown): string {
  const o = (options ?? {}) as { port?: unknown; host?: unknown; path?: unknown; fd?: unknown };
  if (typeof o.path === 'string') return `unix:${o.path}`;
  if (o.fd !== undefined) return `fd ${String(o.fd)}`;
  if (o.port !== undefined) return `${typeof o.host === 'string' ? `${o.host}:` : 'port '}${String(o.port)}`;
  return 'a port of its own';
}

/** Runs `load`, returning what it resolved to and where the code it ran called listen(). */
export async function watchListens<T>(load: () => Promise<T>): Promise<{ value: T; listens: string[] }> {
  const listens: string[] = [];
  const seen = (message: unknown) => listens.push(describe((message as { options?: unknown }).options));
  dc.subscribe(CHANNEL, seen);
  try {
    return { value: await load(), listens };
  } finally {
    dc.unsubscribe(CHANNEL, seen);
  }
}

export const EXPORT_INSTEAD = 'export the app instead (module.exports = app, or export default app) and the worker listens for it';
