// A real redis-server for the --pubsub tests: each test starts its own on a free loopback port
// (no persistence) and stops it in finally; queries go through redis-cli. With `netns`, it runs
// in that network namespace on every address there (the multi-host tests' load balancer's).
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { start, waitFor, type Spawned } from './process.js';

const run = promisify(execFile);

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export class Redis {
  private proc?: Spawned;

  /** `args`: more redis-server options (TLS, a password); `cliArgs`: what redis-cli then needs. */
  constructor(readonly port: number, private readonly args: string[] = [], private readonly cliArgs: string[] = [], private readonly netns?: string) {}

  /** `bin args`, inside the namespace when there is one. */
  private command(bin: string, args: string[]): [string, string[]] {
    return this.netns ? ['ip', ['netns', 'exec', this.netns, bin, ...args]] : [bin, args];
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    const pid = this.proc?.child.pid;
    if (!pid) throw new Error('redis-server is not running');
    return pid;
  }

  /** Starts redis-server on a free port (or on `port`) and waits until it answers PING. */
  static async start(port?: number, args: string[] = [], cliArgs: string[] = [], netns?: string): Promise<Redis> {
    const r = new Redis(port ?? (await freePort()), args, cliArgs, netns);
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    const tls = this.args.includes('--tls-cert-file');
    const listen = tls ? ['--port', '0', '--tls-port', String(this.port)] : ['--port', String(this.port)];
    // A namespace of the tests' own holds nothing else: every address, no protected mode (which
    // would refuse the hosts, being neither loopback nor authenticated).
    const bind = this.netns ? ['--bind', '0.0.0.0', '--protected-mode', 'no'] : ['--bind', '127.0.0.1'];
    this.proc = start(...this.command('redis-server', [...listen, ...bind, '--save', '', '--appendonly', 'no', ...this.args]));
    const proc = this.proc;
    let exited = false;
    proc.exited.then(() => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`redis-server on port ${this.port} exited: ${proc.stdout()}`);
      return (await this.cli('PING').catch(() => '')) === 'PONG';
    }, `redis-server on port ${this.port}`);
  }

  /** SIGKILL: connections drop at once, as when a broker host dies. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = undefined;
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run(...this.command('redis-cli', ['-p', String(this.port), ...this.cliArgs, '--raw', ...args]), { timeout: 10000 });
    return stdout.trim();
  }

  /** Subscribers of `channel` (one per worker that listens to it). */
  async numsub(channel: string): Promise<number> {
    return Number((await this.cli('PUBSUB', 'NUMSUB', channel)).split('\n')[1]);
  }

  async channels(): Promise<string[]> {
    const out = await this.cli('PUBSUB', 'CHANNELS');
    return out ? out.split('\n').sort() : [];
  }

  /** Client connections, redis-cli's own included. */
  async clients(): Promise<number> {
    return (await this.cli('CLIENT', 'LIST')).split('\n').length;
  }
}
