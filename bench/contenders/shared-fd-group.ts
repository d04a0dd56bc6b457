// N server processes sharing one bench-made listening fd (or one port, with SO_REUSEPORT): the
// Running shape the fd-sharing contenders (node:http, chaussette) and Bun/Deno need, in one place.
import { processTree } from '../procfs.js';
import { stopTrees, type ServerProcess } from '../server-process.js';
import { countMatches } from './ready-lines.js';
import type { Running } from './types.js';

export function sharedFdGroup(procs: ServerProcess[], sock: { port: number; close(): void }, ready: RegExp): Running {
  const output = () => procs.map((p) => p.output()).join('');
  return {
    url: `http://127.0.0.1:${sock.port}`,
    readyCount: () => countMatches(output(), ready),
    pids: () => {
      const all = procs.flatMap((p) => processTree(p.pid));
      return { all, workers: procs.filter((p) => !p.exited()).map((p) => p.pid) };
    },
    alive: () => procs.every((p) => !p.exited()),
    output,
    stop: async () => {
      await stopTrees(procs.map((p) => p.pid));
      sock.close();
    },
  };
}
