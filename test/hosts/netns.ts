// Network namespaces for the multi-host tests. One namespace plays the load balancer's machine;
// each "host" is a namespace of its own joined to it by a veth pair on 10.213.N.0/24 (LB side
// 10.213.N.1, host side 10.213.N.2). Interfaces and addresses exist only inside namespaces made
// here, so nothing on the real machine changes; every namespace is removed by destroy(), and
// namespaces left by a run that was killed (its pid is gone) are removed by the next one.
import { execFileSync } from 'node:child_process';
import { start, type Spawned } from '../helpers/process.js';

export const NETNS_PREFIX = 'cwh';
const IP_TIMEOUT_MS = 10000;

export function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
}

function listNamespaces(): string[] {
  try {
    return ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs whatever runs inside `ns`, all at once. Never throws. */
export function killInside(ns: string): void {
  try {
    for (const pid of ip(['netns', 'pids', ns]).split('\n').map(Number).filter((n) => n > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
}

/** Kills whatever still runs inside `ns`, then deletes it. Never throws. */
export function removeNamespace(ns: string): void {
  killInside(ns);
  try {
    ip(['netns', 'del', ns]);
  } catch {
    // already removed
  }
}

/** Namespaces named after a test run (cwh<pid>-…) whose process no longer exists. */
function removeStale(): void {
  for (const ns of listNamespaces()) {
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(ns);
    if (m && !pidAlive(Number(m[1]))) removeNamespace(ns);
  }
}

let probed: string | null | undefined;

/** Why network namespaces cannot be made here (one line), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (probed !== undefined) return probed ?? undefined;
  const why = (): string | undefined => {
    if (process.platform !== 'linux') return 'network namespaces need Linux';
    if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
    try {
      execFileSync('haproxy', ['-v'], { stdio: 'ignore', timeout: IP_TIMEOUT_MS });
    } catch {
      return 'haproxy is not installed (Debian package haproxy)';
    }
    const ns = `${NETNS_PREFIX}${process.pid}-probe`;
    try {
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      return undefined;
    } catch (err) {
      return `cannot make a network namespace: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0]}`;
    } finally {
      removeNamespace(ns);
    }
  };
  probed = why() ?? null;
  return probed ?? undefined;
}

export interface HostLink {
  index: number;
  ns: string;
  /** The host's address, seen from the load balancer. */
  address: string;
  /** The load balancer's address on this host's link. */
  lbAddress: string;
}

let labs = 0;

/** The namespaces of one test: the load balancer's and one per host. */
export class Lab {
  readonly prefix = `${NETNS_PREFIX}${process.pid}-${++labs}`;
  readonly lb = `${this.prefix}-lb`;
  readonly hosts = new Map<number, HostLink>();
  private readonly made: string[] = [];

  constructor() {
    removeStale();
    this.addNamespace(this.lb);
  }

  private addNamespace(ns: string): void {
    ip(['netns', 'add', ns]);
    this.made.push(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** Host N (1..250): its namespace and a veth pair to the load balancer. */
  addHost(index: number): HostLink {
    if (!Number.isInteger(index) || index < 1 || index > 250) throw new Error(`host index ${index} is outside 1..250`);
    const ns = `${this.prefix}-h${index}`;
    this.addNamespace(ns);
    // Both ends are created inside namespaces: the veth never exists in the machine's own one.
    ip(['-n', this.lb, 'link', 'add', `l${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    const host: HostLink = { index, ns, address: `10.213.${index}.2`, lbAddress: `10.213.${index}.1` };
    ip(['-n', this.lb, 'addr', 'add', `${host.lbAddress}/24`, 'dev', `l${index}`]);
    ip(['-n', ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
    ip(['-n', this.lb, 'link', 'set', `l${index}`, 'up']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    this.hosts.set(index, host);
    return host;
  }

  /** Takes host N's link down (or up again) on the load balancer's side. */
  setLink(index: number, up: boolean): void {
    ip(['-n', this.lb, 'link', 'set', `l${index}`, up ? 'up' : 'down']);
  }

  /** Runs `cmd` inside namespace `ns` (ip netns exec replaces itself with it: same pid). */
  exec(ns: string, cmd: string, args: string[], opts: { stdin?: boolean } = {}): Spawned {
    return start('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  }

  /** Pids of the processes running inside `ns`. */
  pids(ns: string): number[] {
    return ip(['netns', 'pids', ns]).split('\n').map(Number).filter((n) => n > 0);
  }

  /** Kills everything inside the namespaces and removes them. */
  destroy(): void {
    for (const ns of this.made.splice(0).reverse()) removeNamespace(ns);
    this.hosts.clear();
  }
}
