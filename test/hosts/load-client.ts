// The load generator of the multi-host tests, run inside the load balancer's namespace:
//   node load-client.js HOST PORT CONNECTIONS MAX_MS
// a new connection per request, every answer classified (test/chaos/lib/load.ts) and counted per
// "host version" from the fixture app's JSON body. Reads commands from stdin, one per line:
// "snapshot" prints {"snapshot": counters}; "stop" (or stdin closing, or MAX_MS passing) ends the
// load and prints {"result": LoadResult}, then the process exits.
import readline from 'node:readline';
import { startLoad } from '../helpers/load.js';

const [host, port, connections, maxMs] = process.argv.slice(2);
if (!host || !Number(port) || !Number(connections) || !Number(maxMs)) {
  process.stderr.write('usage: load-client HOST PORT CONNECTIONS MAX_MS\n');
  process.exit(2);
}

/** "h2 v3" from {"host":"h2","version":"v3",…}; '?' for any other body. */
function hostVersion(body: string): string {
  const h = /"host":"([^"]*)"/.exec(body)?.[1];
  const v = /"version":"([^"]*)"/.exec(body)?.[1];
  return h && v ? `${h} ${v}` : '?';
}

const load = startLoad({ host, port: Number(port) }, {
  connections: Number(connections),
  durationMs: Number(maxMs),
  keepAlive: false,
  timeoutMs: 30000,
  keyOf: hostVersion,
});
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const input = readline.createInterface({ input: process.stdin });
input.on('line', (l) => {
  if (l.trim() === 'snapshot') print({ snapshot: load.snapshot() });
  else if (l.trim() === 'stop') load.stop();
});
input.on('close', () => load.stop());
load.done.then((result) => {
  print({ result });
  process.exit(0);
});
