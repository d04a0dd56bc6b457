// The Markdown report: matrix of ratios, generator ceiling, targets, per-cell details, contenders.
import type { RunRecord } from '../records.js';
import { GENERATOR_BOUND_MARGIN, NOISY_OTHER_CORES, generatorCpuCount, type Cell, type Row, type Summary } from './summary.js';

function k(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : Math.round(n).toLocaleString('en-US');
}

function pct(cores: number | undefined): string {
  return cores === undefined ? '–' : `${Math.round(cores * 100)}%`;
}

function mb(x: number | undefined): string {
  return x === undefined ? '–' : x.toFixed(1);
}

function flags(r: Row): string {
  return (r.generatorBound ? ' \\*' : '') + (r.noisy ? ' ~' : '') + (r.errors + r.timeouts + r.non2xx > 0 ? ' **!**' : '');
}

function matrixCell(r: Row | undefined): string {
  if (!r || r.rps === undefined) return '–';
  return `${k(r.rps)} (${r.ratio?.toFixed(2) ?? '?'}x)${flags(r)}`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function commandLine(run: RunRecord): string {
  const o = run.options;
  const parts = ['npm run bench --'];
  if (o.quick) parts.push('--quick');
  parts.push(`--generator ${o.generator}`, `--workers ${o.workers}`, `--rounds ${o.rounds}`, `--duration ${o.durationSec}`, `--warmup ${o.warmupSec}`);
  parts.push(`--connections ${o.connections.join(',')}`, `--scenarios ${o.scenarios.join(',')}`);
  if (o.contenders !== 'all') parts.push(`--contenders ${o.contenders}`);
  if (o.generatorCpus) parts.push(`--generator-cpus ${o.generatorCpus}`);
  if (o.serverCpus) parts.push(`--server-cpus ${o.serverCpus}`);
  if (o.fetchApp !== 'hono') parts.push(`--fetch-app ${o.fetchApp}`);
  if (o.circusApp !== 'js') parts.push(`--circus-app ${o.circusApp}`);
  if (!o.supervisor) parts.push('--no-supervisor');
  return parts.join(' ');
}

function header(run: RunRecord): string {
  const m = run.machine;
  const o = run.options;
  const gen = `${o.generator}${o.generator === 'autocannon' ? ` ${m.tools.autocannon ?? ''}` : ` ${m.tools.wrk ?? ''}`}`;
  return [
    `# circus-worker benchmark, ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC${run.interrupted ? ' (INTERRUPTED, partial)' : ''}`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGB} GB, ${m.os}, Linux ${m.kernel}; Node ${m.node}; commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}`,
    `- Load: ${gen} on CPU ${o.generatorCpus ?? 'any'} (${o.generatorThreads} thread(s)), servers on CPU ${o.serverCpus ?? 'any'}; ${o.workers} worker processes per contender; pipelining ${o.pipelining}${o.scenarios.includes('newconn') ? '; `newconn` by the bench\'s own connect-request-close client (Node, same CPU)' : ''}`,
    `- Method: ${o.rounds} rounds, each runs every contender in turn on every cell for ${o.durationSec} s after a ${o.warmupSec} s warm-up; medians of rounds; ratio = req/s / baseline req/s (\`${run.baseline}\`) in the same run. Took ${Math.round(run.wallSeconds)} s.`,
    `- Command: \`${commandLine(run)}\``,
  ].join('\n');
}

function matrix(run: RunRecord, s: Summary): string {
  const cells = s.cells;
  const head = ['contender', ...cells.map((c) => `${c.scenario}@${c.connections}`)];
  const rows = run.contenders
    .filter((c) => c.status === 'ran')
    .map((c) => [c.id === run.baseline ? `**${c.label}**` : c.label, ...cells.map((cell) => matrixCell(cell.rows.find((r) => r.id === c.id)))]);
  return [
    '## Requests per second (median) and ratio to the baseline',
    '',
    table(head, rows),
    '',
    `\\* generator-bound: within ${GENERATOR_BOUND_MARGIN * 100}% of the fastest result in that column while the generator used its whole CPU, so the generator, not the server, set the number. **!** errors, timeouts or non-2xx responses (see details). ~ noisy: other processes on the machine used ${NOISY_OTHER_CORES * 100}% of a CPU or more meanwhile (median). – not run.`,
  ].join('\n');
}

function ceiling(run: RunRecord, s: Summary): string {
  const cpus = generatorCpuCount(run);
  const rows = s.cells
    .filter((c) => c.ceiling)
    .map((c) => [
      `${c.scenario}@${c.connections}`,
      c.ceiling!.id,
      k(c.ceiling!.rps),
      `${pct(c.ceiling!.generatorCores)} of ${cpus} CPU`,
      c.ceiling!.saturated ? 'yes: results within 10% are generator-bound' : 'no',
    ]);
  return [
    '## Load generator ceiling',
    '',
    'Per column, the fastest contender and the generator\'s own CPU use while it measured it.',
    '',
    table(['cell', 'fastest', 'req/s', 'generator CPU', 'generator saturated'], rows),
  ].join('\n');
}

function targets(s: Summary): string {
  const rows = s.targets.map((t) => [t.what, t.target, t.measured, t.verdict.toUpperCase(), t.why ?? '']);
  return ['## Targets from issue 3', '', table(['what', 'target', 'measured', 'verdict', 'note'], rows)].join('\n');
}

function details(cell: Cell): string {
  const rows = cell.rows
    .filter((r) => r.rps !== undefined || !r.missing?.startsWith('unavailable'))
    .map((r) =>
      r.rps === undefined
        ? [r.label, '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', r.missing ?? '']
        : [
            r.label,
            k(r.rps) + flags(r),
            `${r.ratio?.toFixed(2) ?? '?'}x`,
            r.p50Ms!.toFixed(2),
            r.p99Ms!.toFixed(2),
            String(r.errors),
            String(r.timeouts),
            String(r.non2xx),
            pct(r.generatorCores),
            pct(r.serverCores),
            pct(r.otherCores),
            r.roundsRps.map(k).join(' / '),
          ],
    );
  return [
    `### ${cell.scenario}@${cell.connections}: ${cell.label}, ${cell.connections} connections`,
    '',
    table(['contender', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'errors', 'timeouts', 'non-2xx', 'generator CPU', 'server CPU', 'other CPU', 'req/s per round'], rows),
  ].join('\n');
}

function contenders(run: RunRecord): string {
  const ran = run.contenders.filter((c) => c.status === 'ran');
  const rows = ran.map((c) => [
    c.label,
    `${c.startupMs} ms`,
    String(c.workerCount),
    mb(c.idleRssPerWorkerMB),
    mb(c.idleRssTotalMB),
    mb(c.endRssPerWorkerMB),
    mb(c.endRssTotalMB),
    [c.note, ...(c.protocolNotes ?? []), ...Object.entries(c.excluded).map(([s, why]) => `not in ${s}: ${why}`)].filter(Boolean).join('; '),
  ]);
  const others = run.contenders.filter((c) => c.status !== 'ran').map((c) => `- ${c.label} (\`${c.id}\`): ${c.status}, ${c.reason}`);
  return [
    '## Contenders',
    '',
    'Start-up is from spawn to the first 200 on /hello. RSS is in MB, summed over every server process (total, including any primary, supervisor or daemon) or averaged over the workers; "idle" is after start-up, "end" after the last round.',
    '',
    table(['contender', 'start-up', 'workers', 'idle RSS/worker', 'idle RSS total', 'end RSS/worker', 'end RSS total', 'notes'], rows),
    ...(others.length ? ['', 'Not measured:', '', ...others] : []),
  ].join('\n');
}

export function renderMarkdown(run: RunRecord, s: Summary, chartFile?: string): string {
  return [
    header(run),
    matrix(run, s),
    ...(chartFile ? [`![req/s per contender](${chartFile})`] : []),
    ceiling(run, s),
    targets(s),
    '## Details',
    'CPU columns are medians (100% = one CPU busy): the load generator, all of the contender\'s processes, and everything else on the machine meanwhile (other work on a shared machine shows up there). Latencies from autocannon have 1 ms resolution.',
    ...s.cells.map(details),
    contenders(run),
    '',
  ].join('\n\n');
}
