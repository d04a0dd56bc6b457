// `node build/bench/pubsub-fanout.js`: WebSocket topic fan-out, 1 publisher -> N subscribers,
// spread over 4 workers sharing a Redis (--pubsub) against all of them on one worker without it.
// Latency: messages paced at --rate, publish-to-receive per delivery (p50/p99, one clock: the
// clients all live in this process). Throughput: --burst messages sent at once, time until every
// subscriber has all of them. CPU seconds of the workers and of redis-server over the burst.
// The clients share this process: on a small machine they are part of what is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import WebSocket from 'ws';
import { freePort } from './ports.js';
import { cpuSeconds } from './procfs.js';
import { spawnServer, stopTrees, type ServerProcess } from './server-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP = path.join(ROOT, 'bench/apps/ws-fanout.mjs');
const CLI = path.join(ROOT, 'build/worker/cli.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, ms = 60000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function startWorker(backend: string, port: number, pubsub?: string): Promise<ServerProcess> {
  const w = spawnServer({ cmd: process.execPath, args: [CLI, '--backend', backend, '--bind', `127.0.0.1:${port}`, ...(pubsub ? ['--pubsub', pubsub] : []), APP] });
  await until(() => /serving/.test(w.output()) || w.exited(), 'a worker to start', 30000);
  if (w.exited()) throw new Error(`worker exited: ${w.output()}`);
  return w;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

interface Result {
  p50: number;
  p99: number;
  msgsPerSec: number;
  deliveriesPerSec: number;
  workerCpu: number;
  brokerCpu: number;
}

async function measure(ports: number[], subscribers: number, rate: number, paced: number, burst: number, workers: number[], broker?: number): Promise<Result> {
  const subs = await Promise.all(Array.from({ length: subscribers }, (_, i) => open(`ws://127.0.0.1:${ports[i % ports.length]}/sub`)));
  const pub = await open(`ws://127.0.0.1:${ports[0]}/pub`);
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const got = new Array<number>(subscribers).fill(0);
  subs.forEach((ws, i) =>
    ws.on('message', (d: Buffer) => {
      got[i]++;
      const seq = Number(d.toString());
      if (seq < paced) latencies.push(performance.now() - sentAt[seq]);
    }),
  );
  await sleep(500); // subscriptions reach the broker
  for (let seq = 0; seq < paced; seq++) {
    sentAt[seq] = performance.now();
    pub.send(String(seq));
    await sleep(1000 / rate);
  }
  await until(() => got.every((n) => n >= paced), 'the paced messages').catch((err) => {
    throw new Error(`${(err as Error).message}: got ${got.join(' ')}`);
  });
  const cpu0 = cpuSeconds(workers);
  const b0 = broker ? cpuSeconds([broker]) : 0;
  const t0 = performance.now();
  for (let seq = paced; seq < paced + burst; seq++) pub.send(String(seq));
  await until(() => got.every((n) => n >= paced + burst), 'the burst');
  const secs = (performance.now() - t0) / 1000;
  const result = {
    p50: 0,
    p99: 0,
    msgsPerSec: burst / secs,
    deliveriesPerSec: (burst * subscribers) / secs,
    workerCpu: cpuSeconds(workers) - cpu0,
    brokerCpu: broker ? cpuSeconds([broker]) - b0 : 0,
  };
  latencies.sort((a, b) => a - b);
  result.p50 = percentile(latencies, 50);
  result.p99 = percentile(latencies, 99);
  for (const ws of [...subs, pub]) ws.terminate();
  return result;
}

async function main(): Promise<void> {
  const o = new Command('pubsub-fanout')
    .option('--backend <name>', 'node or uws', 'node')
    .option('--subscribers <n>', 'subscribers', '40')
    .option('--rate <n>', 'paced messages per second', '200')
    .option('--paced <n>', 'paced messages (latency)', '1000')
    .option('--burst <n>', 'messages sent at once (throughput)', '5000')
    .parse()
    .opts<{ backend: string; subscribers: string; rate: string; paced: string; burst: string }>();
  const [subscribers, rate, paced, burst] = [o.subscribers, o.rate, o.paced, o.burst].map(Number);
  const redisPort = await freePort();
  const redis: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const started: ServerProcess[] = [];
  try {
    await sleep(300);
    const four = await Promise.all([0, 1, 2, 3].map(async () => ({ port: await freePort() })));
    for (const w of four) started.push(await startWorker(o.backend, w.port, `redis://127.0.0.1:${redisPort}`));
    const withBroker = await measure(four.map((w) => w.port), subscribers, rate, paced, burst, started.map((w) => w.pid), redis.pid);
    await stopTrees(started.map((w) => w.pid));
    const onePort = await freePort();
    const one = await startWorker(o.backend, onePort);
    started.push(one);
    const alone = await measure([onePort], subscribers, rate, paced, burst, [one.pid]);
    const row = (name: string, r: Result) =>
      `| ${name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.msgsPerSec)} | ${Math.round(r.deliveriesPerSec)} | ${r.workerCpu.toFixed(2)} | ${r.brokerCpu.toFixed(2)} |`;
    console.log(`backend ${o.backend}, ${subscribers} subscribers, ${paced} messages at ${rate}/s (latency), burst of ${burst} (throughput), Node ${process.version}`);
    console.log('| setup | p50 ms | p99 ms | messages/s | deliveries/s | worker CPU s (burst) | redis CPU s (burst) |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(row('4 workers + Redis (--pubsub)', withBroker));
    console.log(row('1 worker, no broker', alone));
  } finally {
    await stopTrees(started.map((w) => w.pid));
    redis.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
