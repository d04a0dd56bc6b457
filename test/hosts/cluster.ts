// A whole multi-host set-up: the namespaces, one circus-supervisor per host, HAProxy in front,
// the load generator beside HAProxy, and (with `pubsub`) a Redis there for every host's workers.
// down() removes all of it, also after a failure.
import fs from 'node:fs';
import { Redis } from '../helpers/redis.js';
import { tempDir } from '../helpers/supervisor.js';
import { DEFAULT_CHECKS, Haproxy, type CheckPolicy } from './haproxy.js';
import { Host, type HostOptions } from './host.js';
import { LbLoad, type Frontend } from './lb-load.js';
import { Nginx, NGINX_BIN } from './nginx.js';
import { Lab } from './netns.js';

export interface ClusterOptions extends HostOptions {
  hosts: number;
  /** Concurrent clients of the load generator (a connection per request). */
  connections: number;
  /** A redis-server in the load balancer's namespace, and --pubsub on it for every worker. */
  pubsub?: boolean;
}

export const CLUSTER_DEFAULTS: ClusterOptions = {
  hosts: 3,
  connections: 4,
  backend: 'node',
  processes: 2,
  // 2 s = 4 check intervals: HAProxy needs `fall` (2) failed checks to mark a host down.
  stopDelay: 2,
  gracefulTimeout: 10,
  checks: DEFAULT_CHECKS,
};

export class Cluster {
  readonly hosts = new Map<string, Host>();
  readonly dir = tempDir();
  haproxy?: Haproxy;
  /** nginx over the first hosts (not the ones added later), when it is installed. */
  nginx?: Nginx;
  redis?: Redis;
  private readonly lab = new Lab();

  private constructor(readonly opts: ClusterOptions) {}

  private get hostOptions(): HostOptions {
    return { ...this.opts, pubsubPort: this.redis?.port };
  }

  get checks(): CheckPolicy {
    return this.opts.checks;
  }

  /** Builds every host, starts their supervisors, then HAProxy, and waits until all are UP. */
  static async up(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(opts);
    try {
      if (opts.pubsub) c.redis = await Redis.start(undefined, [], [], c.lab.lb);
      for (let i = 1; i <= opts.hosts; i++) {
        const h = new Host(c.lab, c.lab.addHost(i), c.hostOptions);
        c.hosts.set(h.name, h);
        await h.start();
      }
      c.haproxy = await Haproxy.start(c.lab, c.dir, [...c.hosts.values()].map((h) => ({ name: h.name, address: h.link.address })), opts.checks);
      for (const h of c.hosts.values()) await c.haproxy.waitUp(h.name);
      if (fs.existsSync(NGINX_BIN)) c.nginx = await Nginx.start(c.lab, c.dir, [...c.hosts.values()].map((h) => h.link.address));
      return c;
    } catch (err) {
      await c.down();
      throw err;
    }
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  get lb(): Haproxy {
    return this.haproxy!;
  }

  /** Scale out: a new host built and started under load, then added to HAProxy at run time. */
  async addHost(index: number): Promise<Host> {
    const h = new Host(this.lab, this.lab.addHost(index), this.hostOptions);
    this.hosts.set(h.name, h);
    await h.start();
    await this.lb.addServer(h.name, h.link.address);
    await this.lb.waitUp(h.name);
    return h;
  }

  setLink(h: Host, up: boolean): void {
    this.lab.setLink(h.link.index, up);
  }

  startLoad(via: Frontend, maxMs: number): LbLoad {
    return LbLoad.start(this.lab, via, this.opts.connections, maxMs);
  }

  /** Stops everything in the namespaces (SIGKILL), removes them and the temp directories. */
  async down(): Promise<void> {
    this.lab.destroy();
    await Promise.all([...this.hosts.values()].map((h) => h.proc?.exited));
    await this.haproxy?.proc.exited;
    await this.nginx?.proc.exited;
    await this.redis?.stop();
    for (const h of this.hosts.values()) fs.rmSync(h.dir, { recursive: true, force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
