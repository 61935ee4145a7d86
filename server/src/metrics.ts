import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one node, served at /metrics. Counters and histograms are observed where things
 * happen; gauges that need Redis (alerts by state, queue depth) are collected at scrape time.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly connections = new Gauge({ name: 'hotline_connections', help: 'Connected Socket.IO consoles on this node', labelNames: ['role'], registers: [this.registry] });
  readonly entries = new Counter({ name: 'hotline_entries_appended_total', help: 'Link-log entries appended by this node', labelNames: ['type'], registers: [this.registry] });
  readonly events = new Histogram({
    name: 'hotline_event_duration_seconds',
    help: 'Time from receiving a client event to its ack, by event and outcome',
    labelNames: ['event', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly rejected = new Counter({ name: 'hotline_requests_rejected_total', help: 'Events and HTTP requests refused, by error code', labelNames: ['code', 'source'], registers: [this.registry] });
  readonly sendToDeliver = new Histogram({
    name: 'hotline_send_to_deliver_seconds',
    help: "From receiving hotline:send to handing the entry to Socket.IO for the peer's consoles",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly timeToAck = new Histogram({
    name: 'hotline_time_to_acknowledge_seconds',
    help: 'From raising an alert (or sending a flash/immediate message) to its acknowledgement',
    labelNames: ['subject', 'drill'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });
  readonly escalations = new Counter({ name: 'hotline_escalations_total', help: 'Escalation steps fired by this node', labelNames: ['subject', 'level', 'drill'], registers: [this.registry] });
  readonly logins = new Counter({
    name: 'hotline_login_refusals_total',
    help: 'Logins refused: wrong password or unknown user (failed), delayed after failures (throttled-pair, throttled-address), or over the per-address rate',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly revocations = new Counter({ name: 'hotline_revocations_total', help: 'Sessions revoked by this node, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly configVersion = new Gauge({ name: 'hotline_config_version', help: 'Version of the live configuration in force on this node', registers: [this.registry] });
  readonly lateness = new Histogram({
    name: 'hotline_timer_lateness_seconds',
    help: 'How late escalation steps fired after their due time',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(options: { nodeId: string; collect?: { alerts?: () => Promise<Record<string, number>>; queue?: () => Promise<Record<string, number>> } }) {
    this.registry.setDefaultLabels({ node: options.nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'hotline_' });
    const alerts = options.collect?.alerts;
    const queue = options.collect?.queue;
    new Gauge({
      name: 'hotline_alerts',
      help: 'Active alerts (open or acknowledged) by state, across all links',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        if (!alerts) return;
        const counts = await alerts();
        for (const state of ['open', 'acknowledged']) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'hotline_queue_jobs',
      help: 'Escalation and line-check timer jobs by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        if (!queue) return;
        for (const [state, n] of Object.entries(await queue())) this.set({ state }, n);
      },
    });
  }
}
