// The (req, res) listener a plain node:http server runs: the node handler, or the Hono app
// through @hono/node-server (the usual way to run a fetch app on Node).
import type { RequestListener } from 'node:http';

export type NodeAppKind = 'node' | 'hono';

export async function loadListener(kind: NodeAppKind): Promise<RequestListener> {
  if (kind === 'node') return (await import('../apps/node-handler.js')).default;
  const { getRequestListener } = await import('@hono/node-server');
  const app = (await import('../apps/hono-app.js')).default;
  return getRequestListener(app.fetch);
}

export function parseKind(value: string | undefined): NodeAppKind {
  if (value === 'node' || value === 'hono') return value;
  throw new Error(`unknown app kind ${JSON.stringify(value)} (expected node or hono)`);
}

/** One line per serving process, so the bench can count ready workers. */
export function announceReady(): void {
  process.stdout.write(`bench-server[${process.pid}] ready\n`);
}
