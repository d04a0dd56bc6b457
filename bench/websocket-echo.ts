// `npm run bench:ws`: WebSocket echo, messages per second at 50 connections, for circus-worker
// (uws and node backends with a Bun-style app, and a uws-native app.ws() echo, which shows what
// the Bun layer costs) and a plain `ws` server, the baseline. One run,
// contenders alternating round after round, each one's median of its rounds and its ratio to
// the baseline's median in the same run. Servers on one CPU, the generator on the other.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { freePort } from './ports.js';
import { cpuSeconds, machineCpuSeconds } from './procfs.js';
import { pinned, spawnServer, stopTrees, type ServerProcess } from './server-process.js';
import { loadUwsModule } from '../worker/uws/load-module.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = path.join(ROOT, 'build');
const APP = path.join(ROOT, 'bench/apps/ws-echo.mjs');

interface Contender {
  id: string;
  label: string;
  args: (port: number) => string[];
  unavailable?: string;
}

function uwsMissing(): string | undefined {
  try {
    loadUwsModule();
    return undefined;
  } catch (err) {
    return (err as Error).message.split(';')[0];
  }
}

const CONTENDERS: Contender[] = [
  { id: 'ws', label: 'plain ws server (baseline)', args: (p) => [path.join(BUILD, 'bench/servers/ws-echo.js'), String(p)] },
  { id: 'worker-uws', label: 'circus-worker --backend uws', args: (p) => [path.join(BUILD, 'worker/cli.js'), '--backend', 'uws', '--bind', `127.0.0.1:${p}`, APP], unavailable: uwsMissing() },
  { id: 'worker-native', label: 'circus-worker, uws-native app.ws() echo', args: (p) => [path.join(BUILD, 'worker/cli.js'), '--backend', 'uws', '--bind', `127.0.0.1:${p}`, path.join(ROOT, 'bench/apps/ws-echo-native.mjs')], unavailable: uwsMissing() },
  { id: 'worker-node', label: 'circus-worker --backend node (ws)', args: (p) => [path.join(BUILD, 'worker/cli.js'), '--backend', 'node', '--bind', `127.0.0.1:${p}`, APP] },
];

interface Running {
  c: Contender;
  port: number;
  proc: ServerProcess;
  results: Array<{ rate: number; serverCpu: number; clientCpu: number; other: number }>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function waitServing(r: Running): Promise<void> {
  const deadline = Date.now() + 30000;
  while (!/serving/.test(r.proc.output())) {
    if (r.proc.exited() || Date.now() > deadline) throw new Error(`${r.c.id} did not start: ${r.proc.output()}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

async function main(): Promise<void> {
  const o = new Command('bench:ws')
    .option('--rounds <n>', 'rounds (median of these)', Number, 5)
    .option('--seconds <s>', 'measured seconds per round', Number, 3)
    .option('--warmup <s>', 'warm-up seconds per round', Number, 1)
    .option('--connections <n>', 'client connections', Number, 50)
    .option('--size <bytes>', 'message size (1-125)', Number, 32)
    .option('--in-flight <n>', 'messages outstanding per connection (1: strict ping-pong)', Number, 1)
    .option('--server-cpus <list>', 'taskset CPUs for the servers', '1')
    .option('--generator-cpus <list>', 'taskset CPUs for the load generator', '0')
    .parse(process.argv)
    .opts<{ rounds: number; seconds: number; warmup: number; connections: number; size: number; inFlight: number; serverCpus: string; generatorCpus: string }>();

  const running: Running[] = [];
  for (const c of CONTENDERS) {
    if (c.unavailable) {
      console.log(`${c.id}: skipped (${c.unavailable})`);
      continue;
    }
    const port = await freePort();
    const [cmd, args] = [process.execPath, c.args(port)];
    running.push({ c, port, proc: spawnServer({ cmd, args, cpus: o.serverCpus }), results: [] });
  }
  try {
    for (const r of running) await waitServing(r);
    console.log(`WebSocket echo: ${o.connections} connections, ${o.size}-byte text messages, ${o.inFlight} in flight per connection; ${o.rounds} rounds of ${o.warmup}+${o.seconds} s; servers on CPU ${o.serverCpus}, generator on CPU ${o.generatorCpus}`);
    for (let round = 1; round <= o.rounds; round++) {
      for (const r of running) {
        const cpu0 = cpuSeconds([r.proc.pid]);
        const m0 = machineCpuSeconds().busy;
        const [cmd, args] = pinned(o.generatorCpus, process.execPath, [path.join(BUILD, 'bench/load/ws-echo-client.js'), String(r.port), String(o.connections), String(o.warmup), String(o.seconds), String(o.size), String(o.inFlight)]);
        const out = spawnSync(cmd, args, { encoding: 'utf8', timeout: (o.warmup + o.seconds + 30) * 1000 });
        const line = out.stdout.trim().split('\n').pop() ?? '';
        if (out.status !== 0 || !line.startsWith('{')) throw new Error(`the client failed against ${r.c.id}: ${out.stderr || out.stdout}`);
        const res = JSON.parse(line) as { messages: number; seconds: number; clientCpuSeconds: number; connected: number };
        const wall = o.warmup + res.seconds;
        const serverCpu = (cpuSeconds([r.proc.pid]) - cpu0) / wall;
        const busy = (machineCpuSeconds().busy - m0) / wall;
        const rate = res.messages / res.seconds;
        r.results.push({ rate, serverCpu, clientCpu: res.clientCpuSeconds / res.seconds, other: Math.max(0, busy - serverCpu - res.clientCpuSeconds / res.seconds) });
        console.log(`round ${round} ${r.c.id.padEnd(12)} ${Math.round(rate).toString().padStart(8)} msg/s  server CPU ${(serverCpu * 100).toFixed(0)}%  client CPU ${((res.clientCpuSeconds / res.seconds) * 100).toFixed(0)}%`);
      }
    }
    const base = median(running.find((r) => r.c.id === 'ws')?.results.map((x) => x.rate) ?? []);
    // On a shared machine msg/s swings with the neighbours; messages per server CPU-second less so.
    const baseEff = median(running.find((r) => r.c.id === 'ws')?.results.map((x) => x.rate / x.serverCpu) ?? []);
    console.log('\n| server | msg/s (median) | vs plain ws | msg per server CPU-s (median) | vs plain ws | server CPU | client CPU | other CPU (machine noise) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of running) {
      const rate = median(r.results.map((x) => x.rate));
      const pct = (f: (x: Running['results'][number]) => number) => `${(median(r.results.map(f)) * 100).toFixed(0)}%`;
      const eff = median(r.results.map((x) => x.rate / x.serverCpu));
      console.log(`| ${r.c.label} | ${Math.round(rate)} | ${(rate / base).toFixed(2)}x | ${Math.round(eff)} | ${(eff / baseEff).toFixed(2)}x | ${pct((x) => x.serverCpu)} | ${pct((x) => x.clientCpu)} | ${pct((x) => x.other)} |`);
    }
    console.log(`\nNode ${process.version}; ratios are to the plain ws server measured in the same run.`);
  } finally {
    await stopTrees(running.map((r) => r.proc.pid));
  }
}

main().catch((err) => {
  console.error(`bench:ws: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
