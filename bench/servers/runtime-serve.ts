// The Hono app on Bun.serve or Deno.serve, whichever runtime runs this file: the servers
// circus-worker is compared with. Neither can serve an inherited fd (Bun.serve ignores `fd`,
// Deno.listen has none), so each binds its own port; several processes share it with
// SO_REUSEPORT (`reusePort`), the way those runtimes run one process per core.
// Usage: bun build/bench/servers/runtime-serve.js PORT
//        deno run --allow-net --allow-read --allow-env build/bench/servers/runtime-serve.js PORT
import app from '../apps/hono-app.js';

interface Runtimes {
  Bun?: { serve(o: { port: number; hostname: string; reusePort: boolean; fetch: typeof app.fetch }): unknown };
  Deno?: {
    serve(o: { port: number; hostname: string; reusePort: boolean; onListen(): void }, fetch: typeof app.fetch): unknown;
    args: string[];
    pid: number;
  };
}

const g = globalThis as unknown as Runtimes;
const arg = g.Deno ? g.Deno.args[0] : process.argv[2];
const port = Number(arg);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`runtime-serve: expected a port, got ${JSON.stringify(arg)}`);

// Same line as app-listener.ts's announceReady (node:process would load Deno's Node layer for no use).
const ready = (pid: number) => console.log(`bench-server[${pid}] ready`);

if (g.Bun) {
  g.Bun.serve({ port, hostname: '127.0.0.1', reusePort: true, fetch: app.fetch });
  ready(process.pid);
} else if (g.Deno) {
  const deno = g.Deno;
  deno.serve({ port, hostname: '127.0.0.1', reusePort: true, onListen: () => ready(deno.pid) }, app.fetch);
} else {
  throw new Error('runtime-serve: run this file with bun or deno');
}
