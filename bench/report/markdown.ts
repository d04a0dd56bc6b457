// The Markdown report: matrix of ratios, generator ceiling, targets, per-cell details, contenders.
import type { BenchRun, RunRecord } from '../records.js';
import { AGREEMENT, agrees, pairedOffset, pairRatios, pooledAgrees, pooledByContender } from './agreement.js';
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
  parts.push(`--generator ${o.generator}`, `--workers ${o.workers.join(',')}`, `--rounds ${o.rounds}`, `--duration ${o.durationSec}`, `--warmup ${o.warmupSec}`, `--retries ${o.retries}`);
  parts.push(`--connections ${o.connections.join(',')}`, `--scenarios ${o.scenarios.join(',')}`);
  if (o.contenders !== 'all') parts.push(`--contenders ${o.contenders}`);
  if (o.generatorCpus) parts.push(`--generator-cpus ${o.generatorCpus}`);
  if (o.serverCpus) parts.push(`--server-cpus ${o.serverCpus}`);
  if (o.fetchApp !== 'hono') parts.push(`--fetch-app ${o.fetchApp}`);
  if (o.circusApp !== 'js') parts.push(`--circus-app ${o.circusApp}`);
  if (!o.supervisor) parts.push('--no-supervisor');
  if (o.uwsModule) parts.push(`--uws-module ${o.uwsModule}`);
  if (!o.restart) parts.push('--no-restart');
  if (o.crossCheck) parts.push('--cross-check');
  // Older records lack it (their cross-check ran --rounds rounds).
  if (o.crossCheck && o.crossCheckRounds !== undefined && o.crossCheckRounds !== o.rounds) parts.push(`--cross-check-rounds ${o.crossCheckRounds}`);
  return parts.join(' ');
}

function header(bench: BenchRun): string {
  const run = bench.passes[0];
  const m = run.machine;
  const o = run.options;
  const gen = `${o.generator}${o.generator === 'autocannon' ? ` ${m.tools.autocannon ?? ''}` : ` ${m.tools.wrk ?? ''}`}`;
  return [
    `# circus-worker benchmark, ${bench.startedAt.slice(0, 16).replace('T', ' ')} UTC${bench.interrupted ? ' (INTERRUPTED, partial)' : ''}`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGB} GB, ${m.os}, Linux ${m.kernel}; Node ${m.node}; commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}`,
    `- Load: ${gen} on CPU ${o.generatorCpus ?? 'any'} (${o.generatorThreads} thread(s)), servers on CPU ${o.serverCpus ?? 'any'}; passes with ${o.workers.join(', ')} worker process(es) per contender (1 = per core); pipelining ${o.pipelining}${o.scenarios.includes('newconn') ? '; `newconn` by the bench\'s own connect-request-close client (Node, same CPU)' : ''}`,
    `- Method: ${o.rounds} rounds, each runs every contender in turn on every cell for ${o.durationSec} s after a ${o.warmupSec} s warm-up${o.restart ? ' (every contender started afresh for each round, 1 s more warm-up at its first cell)' : ''}; a measurement during which other processes used, or the hypervisor stole, ${NOISY_OTHER_CORES * 100}% of a CPU or more (summed) is taken again (up to ${o.retries} times); medians of rounds; ratio = req/s / req/s of \`${run.baseline}\` (plain node:http on one inherited fd, same Node) in the same pass. Took ${Math.round(bench.wallSeconds)} s.`,
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
    `## ${passTitle(run)}: requests per second (median) and ratio to plain node:http`,
    '',
    table(head, rows),
    '',
    `\\* generator-bound: within ${GENERATOR_BOUND_MARGIN * 100}% of the fastest result in that column while the generator used its whole CPU, so the generator, not the server, set the number. **!** errors, timeouts or non-2xx responses (see details). ~ noisy: other processes on the machine used, or the hypervisor stole, ${NOISY_OTHER_CORES * 100}% of a CPU or more meanwhile (median, summed). – not run.`,
  ].join('\n');
}

function passTitle(run: RunRecord): string {
  return run.workers === 1 ? 'Per core (1 worker per contender)' : `${run.workers} workers per contender`;
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
    `### ${passTitle(run)}: load generator ceiling`,
    '',
    'Per column, the fastest contender and the generator\'s own CPU use while it measured it.',
    '',
    table(['cell', 'fastest', 'req/s', 'generator CPU', 'generator saturated'], rows),
  ].join('\n');
}

function targets(s: Summary): string {
  const rows = s.targets.map((t) => [t.what, t.target, t.measured, t.verdict.toUpperCase(), t.why ?? '']);
  return ['## Targets from issues 11 and 24 (per core, first connection count)', '', table(['what', 'target', 'measured', 'verdict', 'note'], rows)].join('\n');
}

function details(run: RunRecord, cell: Cell): string {
  const rows = cell.rows
    .filter((r) => r.rps !== undefined || !r.missing?.startsWith('unavailable'))
    .map((r) =>
      r.rps === undefined
        ? [r.label, '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', r.missing ?? '']
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
            r.perCpuSecond ? k(r.perCpuSecond) : '–',
            pct(r.otherCores),
            pct(r.stealCores),
            r.roundsRps.map(k).join(' / '),
          ],
    );
  return [
    `### ${passTitle(run)}, ${cell.scenario}@${cell.connections}: ${cell.label}, ${cell.connections} connections`,
    '',
    table(['contender', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'errors', 'timeouts', 'non-2xx', 'generator CPU', 'server CPU', 'req per server CPU-s', 'other CPU', 'steal', 'req/s per round'], rows),
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
    `## Contenders, ${passTitle(run).toLowerCase()}`,
    '',
    'Start-up is from spawn to the first 200 on /hello. RSS is in MB, summed over every server process (total, including any primary, supervisor or daemon) or averaged over the workers; "idle" is after start-up and the first answered request (before the response checks), "end" after the last round.',
    '',
    table(['contender', 'start-up', 'workers', 'idle RSS/worker', 'idle RSS total', 'end RSS/worker', 'end RSS total', 'notes'], rows),
    ...(others.length ? ['', 'Not measured:', '', ...others] : []),
  ].join('\n');
}

function byHand(bench: BenchRun): string {
  const lines = bench.byHand.map((b) =>
    b.server
      ? [`- \`${b.id}\`: \`${b.server}\``, ...b.wrk.map((w) => `  - \`${w}\``)].join('\n')
      : `- \`${b.id}\`: no by-hand command (${b.why})`,
  );
  return [
    '## By hand',
    '',
    'Each contender started by hand, one worker, from the repository root (PORT: any free port), and the wrk command that measures it as the bench does. The bench itself runs the circus-worker contenders under circus-supervisor on an inherited fd.',
    '',
    ...lines,
  ].join('\n');
}

function signedPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function crossChecks(bench: BenchRun): string {
  const checks = bench.crossChecks;
  if (!checks) return '';
  const rows = checks.map((c) => [
    c.contender,
    `${c.scenario}@${c.connections}`,
    k(c.benchRps),
    k(c.byHandRps),
    signedPct(c.difference),
    `${signedPct(pairedOffset(c))} (${pairRatios(c).map((r) => r.toFixed(2)).join(' ')})`,
    agrees(c) ? 'yes' : '**NO**',
    pct(c.otherCores),
    c.stealCores === undefined ? '–' : pct(c.stealCores),
    `${c.benchRounds.map(k).join(' / ')} vs ${c.byHandRounds.map(k).join(' / ')}`,
  ]);
  const agree = checks.filter(agrees).length;
  const byMedians = checks.filter((c) => Math.abs(c.difference) <= AGREEMENT).length;
  const pooled = pooledByContender(checks);
  const offPooled = pooled.filter((p) => !pooledAgrees(p)).length;
  const limit = `${AGREEMENT * 100}%`;
  return [
    '## Cross-check: the bench against its by-hand commands',
    '',
    `Per round, each contender was started twice, as the bench starts it and by its by-hand command (above), the two alone on the server CPUs; per cell, the bench's measurement and the by-hand wrk command went back to back (order alternating by round), then both were stopped. A cell agrees when the median of its pairs' ratios (bench / by hand) is within ${limit}: the ratio of a back-to-back pair cancels the machine's drift between rounds, the difference of the two medians does not. ${agree} of ${checks.length} cells agree within ${limit} (by the difference of the medians: ${byMedians} of ${checks.length}).`,
    '',
    table(['contender', 'cell', 'bench req/s', 'by hand req/s', 'difference of medians', 'bench / by hand per pair: median (pairs)', `within ${limit}`, 'other CPU (by hand)', 'steal (by hand)', 'rounds (bench vs by hand)'], rows),
    '',
    `Every pair of a contender pooled (all its cells): a bench that misreports a contender shifts all of them. ${offPooled === 0 ? `No contender is off by more than ${limit}.` : `**${offPooled} contender(s) off by more than ${limit}.**`}`,
    '',
    table(
      ['contender', 'pairs', 'bench / by hand: median', 'middle half', `within ${limit}`],
      pooled.map((p) => [p.contender, String(p.pairs), p.median.toFixed(3), `${p.q1.toFixed(2)}–${p.q3.toFixed(2)}`, pooledAgrees(p) ? 'yes' : '**NO**']),
    ),
  ].join('\n');
}

/** `renderedBy`: set when the report is rendered again from a run's JSON by later report code. */
export function renderMarkdown(bench: BenchRun, summaries: Summary[], chartFile?: string, renderedBy?: string): string {
  const perCore = summaries[0];
  return [
    header(bench) + (renderedBy ? `\n- Report: ${renderedBy}` : ''),
    targets(perCore),
    ...bench.passes.flatMap((run, i) => [matrix(run, summaries[i]), ...(i === 0 && chartFile ? [`![req/s per contender](${chartFile})`] : []), ceiling(run, summaries[i])]),
    byHand(bench),
    crossChecks(bench),
    '## Details',
    'CPU columns are medians (100% = one CPU busy): the load generator, all of the contender\'s processes, and everything else on the machine meanwhile (other work on a shared machine shows up there). "req per server CPU-s" is req/s divided by the server\'s CPU share: what one CPU-second of the server buys, which other load on the machine disturbs much less than req/s. Latencies from autocannon have 1 ms resolution.',
    ...bench.passes.flatMap((run, i) => summaries[i].cells.map((c) => details(run, c))),
    ...bench.passes.map(contenders),
    '',
  ].filter((x) => x !== '').join('\n\n');
}
