// The autocannon process: started once, pinned to the generator CPU(s) by the suite, runs one
// job per IPC message and reports its own CPU use, so the suite can tell when it is the limit.
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './types.js';

interface JobMessage {
  id: number;
  job: LoadJob;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const headers: Record<string, string> = {};
  if (job.body !== undefined) headers['content-type'] = 'application/octet-stream';
  if (job.newConnection) headers.connection = 'close';
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await autocannon({
    url: job.url,
    method: job.method,
    body: job.body,
    headers,
    connections: job.connections,
    duration: job.durationSec,
    pipelining: job.pipelining,
    timeout: job.timeoutSec,
    // New connection per request comes from `connection: close` alone: autocannon reconnects when
    // the server closes. (Its reconnectRate option counted no responses at all in autocannon 9.)
    workers: job.threads > 1 ? job.threads : undefined,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const seconds = r.duration || wall;
  return {
    rps: r['2xx'] / seconds,
    responses2xx: r['2xx'],
    seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    generatorCores: (cpu.user + cpu.system) / 1e6 / wall,
  };
}

process.on('message', (msg: JobMessage) => {
  runJob(msg.job).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: Error) => process.send?.({ id: msg.id, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
