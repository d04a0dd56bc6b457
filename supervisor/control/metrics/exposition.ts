// GET /metrics: the Prometheus text exposition format (version 0.0.4) for every watcher, built
// from the workers' METRICS= reports (supervisor/run/watcher-metrics.ts), the watchers'
// running state and the listening sockets' accept queues.
import { BUCKETS } from '../../../sys/metrics-report.js';
import type { Watcher } from '../../run/watcher.js';
import type { BoundSocket } from '../../sockets/registry.js';
import { acceptQueues, effectiveBacklog } from './accept-queue.js';

/** What /metrics reads from the supervisor (the arbiter is one). */
export interface MetricsView {
  readonly watchers: ReadonlyMap<string, Watcher>;
  readonly sockets: { all(): BoundSocket[] };
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The GET /metrics route for the supervisor's HTTP endpoint (metrics_endpoint): a handler in the
 * shape of http-endpoint.ts's routes (`endpoint.get('/metrics', metricsRoute(arbiter))`).
 */
export function metricsRoute(a: MetricsView): () => { status: number; body: string; type: string } {
  return () => ({ status: 200, body: renderMetrics(a), type: CONTENT_TYPE });
}

type Labels = Record<string, string | number>;

/** A label value with \, " and newlines escaped as the format says. */
function escape(v: string | number): string {
  return String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function series(name: string, labels: Labels, value: number): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

class Family {
  readonly lines: string[];
  constructor(readonly name: string, type: 'counter' | 'gauge' | 'histogram', help: string) {
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  }
  add(labels: Labels, value: number, suffix = ''): void {
    this.lines.push(series(this.name + suffix, labels, value));
  }
}

export function renderMetrics(a: MetricsView): string {
  const f = {
    requests: new Family('http_requests_total', 'counter', 'HTTP responses sent by the watcher\'s workers, by status code (all processes, past and present).'),
    abandoned: new Family('http_requests_abandoned_total', 'counter', 'Requests whose client went away before any response was sent.'),
    duration: new Family('http_request_duration_seconds', 'histogram', 'Time from a request\'s head to the end of its response (abandoned requests included).'),
    inflight: new Family('http_requests_in_flight', 'gauge', 'Requests being handled now.'),
    ws: new Family('websocket_connections_open', 'gauge', 'WebSocket connections open now.'),
    rss: new Family('process_resident_memory_bytes', 'gauge', 'Resident memory of each worker process.'),
    cpu: new Family('process_cpu_seconds_total', 'counter', 'User and system CPU time of each worker process.'),
    lag: new Family('nodejs_eventloop_lag_seconds', 'gauge', 'Mean event-loop delay of each worker over its last one or two report intervals (1 to 2 s).'),
    lagMax: new Family('nodejs_eventloop_lag_max_seconds', 'gauge', 'Longest time the event loop of each worker did not turn over its last one or two report intervals (sampling period included).'),
    published: new Family('circus_pubsub_published_total', 'counter', 'WebSocket topic messages each worker handed to the --pubsub broker.'),
    received: new Family('circus_pubsub_received_total', 'counter', 'Topic messages each worker received from the broker (other workers\' publishes).'),
    dropped: new Family('circus_pubsub_dropped_total', 'counter', 'Topic messages not handed to the broker: unreachable, not keeping up, or over maxPayloadLength.'),
    connected: new Family('circus_pubsub_connected', 'gauge', '1 while the worker is connected to its --pubsub broker, else 0.'),
    processes: new Family('circus_watcher_processes', 'gauge', 'Processes the watcher runs now.'),
    restarts: new Family('circus_watcher_restarts_total', 'counter', 'Processes started in a slot an earlier process held (respawn after an exit, reload, max_age).'),
    crashes: new Family('circus_watcher_crashes_total', 'counter', 'Processes that exited without being asked to.'),
    flapping: new Family('circus_watcher_flapping', 'gauge', '1 while the watcher is paused by the flapping rule, else 0.'),
    queued: new Family('circus_socket_accept_queue', 'gauge', 'Connections waiting in the listening socket\'s accept queue.'),
    backlog: new Family('circus_socket_backlog', 'gauge', 'The listening socket\'s accept-queue limit: its backlog, capped by net.core.somaxconn.'),
  };
  for (const [watcher, w] of a.watchers) {
    const t = w.metrics.totals();
    for (const [code, n] of Object.entries(t.codes).sort(([x], [y]) => Number(x) - Number(y))) {
      if (code === '0') continue;
      f.requests.add({ watcher, code }, n);
    }
    f.abandoned.add({ watcher }, t.codes['0'] ?? 0);
    BUCKETS.forEach((le, i) => f.duration.add({ watcher, le }, t.buckets[i], '_bucket'));
    f.duration.add({ watcher, le: '+Inf' }, t.count, '_bucket');
    f.duration.add({ watcher }, t.sum, '_sum');
    f.duration.add({ watcher }, t.count, '_count');
    const live = w.metrics.live();
    f.inflight.add({ watcher }, live.reduce((s, x) => s + x.report.inflight, 0));
    f.ws.add({ watcher }, live.reduce((s, x) => s + x.report.websockets, 0));
    for (const { proc, report } of live) {
      const labels = { watcher, pid: proc.pid };
      f.rss.add(labels, report.rss);
      f.cpu.add(labels, report.cpu);
      f.lag.add(labels, report.lag);
      f.lagMax.add(labels, report.lagMax);
      if (report.pubsub) {
        f.published.add(labels, report.pubsub.published);
        f.received.add(labels, report.pubsub.received);
        f.dropped.add(labels, report.pubsub.dropped);
        f.connected.add(labels, report.pubsub.connected);
      }
    }
    f.processes.add({ watcher }, w.procs.size);
    f.restarts.add({ watcher }, w.metrics.restarts);
    f.crashes.add({ watcher }, w.restarts);
    f.flapping.add({ watcher }, w.state === 'flapping' ? 1 : 0);
  }
  const sockets = a.sockets.all();
  const queues = acceptQueues(sockets.map((s) => s.fd));
  for (const s of sockets) {
    const queued = queues.get(s.fd);
    if (queued === undefined) continue;
    f.queued.add({ socket: s.name, address: s.label }, queued);
    f.backlog.add({ socket: s.name, address: s.label }, effectiveBacklog(s.config.backlog));
  }
  return Object.values(f).map((x) => x.lines.join('\n')).join('\n') + '\n';
}
