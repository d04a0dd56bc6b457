// npm run chaos: the long form of the reliability suite. Faults under load for 60 s per scenario
// on every backend that runs here, hostile input to worker and supervisor, then a table per
// scenario and JSON under test/results/. Exit code 1 when a scenario fails (known gaps do not).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, ROOT } from '../helpers/process.js';
import { workerMatrix } from './worker-matrix.js';
import { faultScenarios, supervisorInputScenarios, workerScenarios, type Scale } from './scenarios.js';
import { table, write, type Row } from './report.js';
import { hostsScenarios } from './scenarios/hosts.js';

const USAGE = `usage: npm run chaos -- [options]
  --duration S   seconds of load per fault scenario (default 60)
  --restarts N   worker restarts in the fd/RSS leak scenario (default 1000)
  --idle N       idle connections held while another client is served (default 10000)
  --only A,B     only the groups whose names start with these (faults:uws, faults-reuseport:node, worker:node/fetch, supervisor-input, hosts, ...)
  --hosts        only the multi-host group (same as --only hosts): HAProxy in front of supervisors in
                 network namespaces; needs root and haproxy, skipped with one line otherwise
  --quick        5 s scenarios, 20 restarts, 2,000 idle connections
  --help         this text
Exit codes: 0 every scenario passed or is a known gap, 1 a scenario failed, 2 bad options.
`;

function options() {
  try {
    const { values } = parseArgs({
      options: {
        duration: { type: 'string', default: '60' },
        restarts: { type: 'string', default: '1000' },
        idle: { type: 'string', default: '10000' },
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        hosts: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    for (const key of ['duration', 'restarts', 'idle'] as const) {
      const n = Number(values[key]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} must be a positive number, got '${values[key]}'`);
    }
    return values;
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const values = options();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const scale: Scale = values.quick
  ? { durationMs: 5000, restarts: 20, idleConnections: 2000 }
  : { durationMs: Number(values.duration) * 1000, restarts: Number(values.restarts), idleConnections: Number(values.idle) };
const only = values.hosts ? ['hosts'] : values.only?.split(',');

async function main(): Promise<number> {
  const started = new Date().toISOString();
  const rows: Row[] = [];
  // A combination that must run here and does not start is a FAIL, never a skip.
  const matrix = await workerMatrix().catch((err: Error) => {
    rows.push({ scenario: 'all worker scenarios', backend: 'worker matrix', verdict: 'FAIL', notes: err.message.split('\n'), ms: 0 });
    return [];
  });
  const groups: [string, (() => Promise<Row | Row[]>)[]][] = [];
  for (const c of matrix) {
    if (c.skip) {
      rows.push({ scenario: 'all worker scenarios', backend: `${c.backend}/${c.handler}`, verdict: 'skipped', notes: [c.skip], ms: 0 });
      continue;
    }
    if (c.handler === 'fetch') {
      groups.push([`faults:${c.backend}`, faultScenarios({ backend: c.backend }, scale)]);
      groups.push([`faults-reuseport:${c.backend}`, faultScenarios({ backend: c.backend, reuseport: true }, scale)]);
    }
    groups.push([`worker:${c.backend}/${c.handler}`, workerScenarios(c, scale)]);
  }
  groups.push(['supervisor-input', supervisorInputScenarios(scale)]);
  groups.push(['hosts', hostsScenarios(matrix.filter((c) => c.handler === 'fetch' && !c.skip).map((c) => c.backend), scale)]);
  for (const [name, scenarios] of groups) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    for (const run of scenarios) {
      let out: Row | Row[];
      try {
        out = await run();
      } catch (err) {
        out = { scenario: `${name} (crashed)`, backend: name.split(':')[1] ?? name, verdict: 'FAIL', notes: [(err as Error).message.slice(0, 500)], ms: 0 };
      } finally {
        await killAll();
      }
      for (const row of [out].flat()) {
        rows.push(row);
        process.stderr.write(`[chaos] ${row.verdict.padEnd(9)} ${row.backend.padEnd(10)} ${row.scenario} (${Math.round(row.ms / 1000)} s)\n`);
      }
    }
  }
  const file = write(path.join(ROOT, 'test/results'), { started, args: process.argv.slice(2), rows });
  process.stdout.write(`\n${table(rows)}\nwritten: ${path.relative(ROOT, file)} (and test/results/chaos-latest.{json,md})\n`);
  return rows.some((r) => r.verdict === 'FAIL') ? 1 : 0;
}

const stop = () => void killAll().then(() => process.exit(130));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    await killAll();
    process.stderr.write(`chaos: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
