import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of notifications, registered on the node's registry. */
export class NotifyMetrics {
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly firstDelivery: Histogram;
  readonly acknowledgedThrough: Counter<'gateway'>;

  constructor(registry: Registry, depth: () => Promise<Record<string, number>>) {
    this.deliveries = new Counter({
      name: 'hotline_notify_deliveries_total',
      help: 'Notification attempts by channel ("push", "gateway:<id>") and outcome (delivered, retry, failed, skipped, expired)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    });
    this.firstDelivery = new Histogram({
      name: 'hotline_notify_escalation_to_delivery_seconds',
      help: 'From an escalation to the first 2xx of any of its deliveries',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    });
    this.acknowledgedThrough = new Counter({
      name: 'hotline_notify_acknowledged_through_total',
      help: 'Alerts acknowledged by a gateway reply',
      labelNames: ['gateway'],
      registers: [registry],
    });
    new Gauge({
      name: 'hotline_notify_queue_jobs',
      help: 'Notification jobs (contact steps, bundles, deliveries) by state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        for (const [state, n] of Object.entries(await depth())) this.set({ state }, n);
      },
    });
  }
}
