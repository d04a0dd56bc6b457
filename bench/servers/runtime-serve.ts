// The Hono app on Bun.serve or Deno.serve, whichever runtime runs this file: the servers
// circus-worker is compared with. Neither can serve an inherited fd (Bun.serve ignores `fd`,
// Deno.listen has none), so each binds its own port; several processes share it with
// SO_REUSEPORT (`reusePort`), the way those runtimes run one process per core.
// Usage: bun build/bench/servers/runtime-serve.js PORT [CERT.pem KEY.pem]
//        deno run --allow-net --allow-read --allow-env build/bench/servers/runtime-serve.js PORT [CERT.pem KEY.pem]
// With a certificate and key, it serves HTTPS (bench/tls.sh).
import app from '../apps/hono-app.js';

interface Tls { cert: string; key: string }

interface Runtimes {
  Bun?: { serve(o: { port: number; hostname: string; reusePort: boolean; tls?: Tls; fetch: typeof app.fetch }): unknown };
  Deno?: {
    serve(o: { port: number; hostname: string; reusePort: boolean; cert?: string; key?: string; onListen(): void }, fetch: typeof app.fetch): unknown;
    readTextFileSync(path: string): string;
    args: string[];
    pid: number;
  };
}

const g = globalThis as unknown as Runtimes;
const argv = g.Deno ? g.Deno.args : process.argv.slice(2);
const arg = argv[0];
const port = Number(arg);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`runtime-serve: expected a port, got ${JSON.stringify(arg)}`);

// Same line as app-listener.ts's announceReady (node:process would load Deno's Node layer for no use).
const ready = (pid: number) => console.log(`bench-server[${pid}] ready`);

const [certfile, keyfile] = argv.slice(1);
if ((certfile === undefined) !== (keyfile === undefined)) throw new Error('runtime-serve: a certificate goes with a key');

if (g.Bun) {
  const { readFileSync } = await import('node:fs');
  const tls = certfile && keyfile ? { cert: readFileSync(certfile, 'utf8'), key: readFileSync(keyfile, 'utf8') } : undefined;
  g.Bun.serve({ port, hostname: '127.0.0.1', reusePort: true, tls, fetch: app.fetch });
  ready(process.pid);
} else if (g.Deno) {
  const deno = g.Deno;
  const tls = certfile && keyfile ? { cert: deno.readTextFileSync(certfile), key: deno.readTextFileSync(keyfile) } : {};
  deno.serve({ port, hostname: '127.0.0.1', reusePort: true, ...tls, onListen: () => ready(deno.pid) }, app.fetch);
} else {
  throw new Error('runtime-serve: run this file with bun or deno');
}
