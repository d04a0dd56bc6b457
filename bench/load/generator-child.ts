// The load generator process: started once, pinned to the generator CPU(s) by the suite, runs one
// job per IPC message (autocannon, or the bench's own client for new-connection-per-request) and
// reports its own CPU use, so the suite can tell when it is the limit.
import autocannon from 'autocannon';
import { runNewConnections } from './newconn-client.js';
import type { LoadJob, LoadResult } from './types.js';

interface JobMessage {
  id: number;
  job: LoadJob;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = job.newConnection ? await runNewConnections(job) : await runAutocannon(job);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { ...r, generatorCores: (cpu.user + cpu.system) / 1e6 / wall };
}

async function runAutocannon(job: LoadJob): Promise<Omit<LoadResult, 'generatorCores'>> {
  const headers: Record<string, string> = {};
  if (job.body !== undefined) headers['content-type'] = 'application/octet-stream';
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
    workers: job.threads > 1 ? job.threads : undefined,
  });
  const seconds = r.duration || Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    rps: r['2xx'] / seconds,
    responses2xx: r['2xx'],
    seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

process.on('message', (msg: JobMessage) => {
  runJob(msg.job).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: Error) => process.send?.({ id: msg.id, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
