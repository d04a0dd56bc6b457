// Drives load-client.ts inside the load balancer's namespace: start, live snapshots, stop.
import path from 'node:path';
import type { LoadResult } from '../helpers/load.js';
import { BUILD, waitFor, type Spawned } from '../helpers/process.js';
import { BACKENDS, type BackendName } from './haproxy.js';
import { NGINX_PORT } from './nginx.js';
import type { Lab } from './netns.js';

export interface Snapshot {
  sent: number;
  ok: number;
  failed: number;
  refused: number;
  /** Requests answered per "host version". */
  byPid: Record<string, number>;
}

const CLIENT = path.join(BUILD, 'test/hosts/load-client.js');

/** Where the load goes in: one of HAProxy's two frontends, or nginx. */
export type Frontend = BackendName | 'nginx';
const PORTS: Record<Frontend, number> = { ...BACKENDS, nginx: NGINX_PORT };

export class LbLoad {
  private constructor(private readonly proc: Spawned) {}

  /** `connections` clients, a connection per request, through the `via` frontend; ends by itself after maxMs. */
  static start(lab: Lab, via: Frontend, connections: number, maxMs: number): LbLoad {
    const proc = lab.exec(lab.lb, process.execPath, [CLIENT, '127.0.0.1', String(PORTS[via]), String(connections), String(maxMs)], { stdin: true });
    proc.child.stdin?.on('error', () => {});
    return new LbLoad(proc);
  }

  private lines(key: string): unknown[] {
    return this.proc.stdout().split('\n').filter((l) => l.startsWith(`{"${key}"`)).map((l) => JSON.parse(l)[key]);
  }

  async snapshot(): Promise<Snapshot> {
    const seen = this.lines('snapshot').length;
    this.proc.child.stdin!.write('snapshot\n');
    await waitFor(() => this.lines('snapshot').length > seen || this.exited(), 'load snapshot', 10000, 10);
    if (this.exited()) throw new Error(`load client exited early: ${this.proc.stderr().slice(-500)}`);
    return this.lines('snapshot')[seen] as Snapshot;
  }

  /** Waits until `n` more requests were answered ok (the load is flowing). */
  async flowing(n = 50, timeoutMs = 20000): Promise<Snapshot> {
    const first = await this.snapshot();
    return waitFor(async () => {
      const s = await this.snapshot();
      return s.ok >= first.ok + n ? s : undefined;
    }, `${n} requests answered through the load balancer`, timeoutMs, 50) as Promise<Snapshot>;
  }

  private exited(): boolean {
    return this.proc.child.exitCode !== null || this.proc.child.signalCode !== null;
  }

  async stop(): Promise<LoadResult> {
    if (!this.exited()) this.proc.child.stdin!.end('stop\n');
    await waitFor(() => this.lines('result').length > 0 || this.exited(), 'load result', 60000, 20);
    await this.proc.exited;
    const [result] = this.lines('result') as LoadResult[];
    if (!result) throw new Error(`load client gave no result: ${this.proc.stderr().slice(-500)}`);
    return result;
  }
}
