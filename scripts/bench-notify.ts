/**
 * The notification benchmark: time from an escalation's due time to the gateway's 2xx, over many
 * escalations, with the gateway failing a share of first attempts; beside a bare baseline (the same
 * receiver POSTed to directly, no queue) in the same run.
 *   npm run bench:notify [-- --escalations 1000 --fail-first 0.3 --delay 10s --backoff 2s --nodes 2]
 * Starts its own redis-server, server nodes and an HTTP receiver that checks every signature and
 * counts idempotency keys. Prints JSON; exit 1 when a notification was lost or accepted twice.
 */
import { parseArgs } from 'node:util';
import { createHmac } from 'node:crypto';
import { connectClient, type TestClient } from '../test/helpers/clients.js';
import { startRedis } from '../test/helpers/redis.js';
import { startServer } from '../test/helpers/server.js';
import { makeTopology } from '../test/helpers/topology.js';
import { WebhookReceiver } from '../test/helpers/webhook-receiver.js';
import { durationFlag, numberFlag, UsageError } from './lib/cli.js';
import { summarize } from './lib/stats.js';

const SECRET = 'bench-gateway-secret-0123456789';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { escalations: { type: 'string' }, 'fail-first': { type: 'string' }, delay: { type: 'string' }, backoff: { type: 'string' }, nodes: { type: 'string' } },
  });
  const total = numberFlag('--escalations', values.escalations, { min: 1, max: 100_000, integer: true }) ?? 1000;
  const failFirst = numberFlag('--fail-first', values['fail-first'], { min: 0, max: 1 }) ?? 0.3;
  const delay = durationFlag('--delay', values.delay, { min: 100, max: 600_000 }) ?? 10_000;
  const backoff = durationFlag('--backoff', values.backoff, { min: 1, max: 600_000 }) ?? 2000;
  const nodeCount = numberFlag('--nodes', values.nodes, { min: 1, max: 8, integer: true }) ?? 2;
  const log = (msg: string) => process.stderr.write(`bench:notify ${msg}\n`);

  const receiver = await new WebhookReceiver(SECRET).start();
  // Baseline: the same receiver, POSTed to directly and signed the same way, one at a time.
  const bare: number[] = [];
  for (let i = 0; i < Math.min(total, 1000); i++) {
    const body = JSON.stringify({ id: `bare-${i}` });
    const ts = Date.now();
    const t0 = performance.now();
    await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hotline-timestamp': String(ts),
        'x-hotline-signature': `v1=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`,
        'idempotency-key': `bare-${i}`,
      },
      body,
    });
    bare.push(performance.now() - t0);
  }
  receiver.accepted.clear();
  receiver.requests = 0;
  receiver.failFirstRate = failFirst;

  const redis = await startRedis();
  const { file } = await makeTopology({
    policies: [{ id: 'once', name: 'once', onCounterpartOffline: 'wait', levels: [{ delay, targets: ['counterpart-supervisors'] }] }],
    policySelection: { default: 'once', drill: 'once' },
    extra: {
      notifications: {
        gateways: [{ id: 'sms', url: receiver.url, secret: SECRET, events: ['escalation'], deadline: '10m', timeout: '5s' }],
        bundleWindow: 0,
        defaultRules: [],
        contacts: Object.fromEntries(['b1', 'b2', 'b3'].map((p, i) => [`sup-${p}`, [{ channel: 'gateway', gateway: 'sms', address: `+9230000000${i}` }]])),
      },
    },
  });
  const env = { HOTLINE_NOTIFY_BACKOFF: `${backoff}ms`, HOTLINE_NOTIFY_CONCURRENCY: '50' };
  const nodes = await Promise.all(Array.from({ length: nodeCount }, () => startServer({ redisUrl: redis.url, topology: file, env })));
  const links = [
    ['op-a1', 'l1', 'op-b1'],
    ['op-a2', 'l2', 'op-b2'],
    ['op-a3', 'l3', 'op-b3'],
  ] as const;
  const clients: TestClient[] = [];
  try {
    const raisers: TestClient[] = [];
    for (const [i, [raiser, , counterpart]] of links.entries()) {
      raisers.push(await connectClient(nodes[i % nodes.length]!.url, raiser));
      clients.push(await connectClient(nodes[(i + 1) % nodes.length]!.url, counterpart));
    }
    clients.push(...raisers);
    const due = new Map<string, number>();
    log(`raising ${total} alerts (escalating after ${delay} ms, ${failFirst * 100} % of first attempts failing, backoff ${backoff} ms)`);
    const started = Date.now();
    await Promise.all(
      links.map(async ([, linkId], i) => {
        for (let n = i; n < total; n += links.length) {
          const { alert } = await raisers[i]!.raiseAlert({ linkId, kind: 'other', severity: 2, description: `bench ${n}` });
          due.set(alert.alertId, alert.raisedAt + delay);
        }
      }),
    );
    if (Date.now() - started > delay) log(`warning: raising took ${Date.now() - started} ms, longer than the delay`);
    await receiver.waitFor(total, delay + 600_000);
    const latencies = receiver.deliveries().map((d) => {
      const id = (d.body.items as { id: string }[])[0]!.id;
      return d.at - due.get(id)!;
    });
    // Split: the escalation timer's lateness (due → alert.escalated entry) and the notification path
    // (entry → 2xx), to tell the two apart.
    const timerLate = receiver.deliveries().map((d) => {
      const item = (d.body.items as { id: string; at: number }[])[0]!;
      return item.at - due.get(item.id)!;
    });
    const pipeline = receiver.deliveries().map((d) => d.at - (d.body.items as { at: number }[])[0]!.at);
    const ids = receiver.deliveries().map((d) => (d.body.items as { id: string }[])[0]!.id);
    const lost = [...due.keys()].filter((id) => !ids.includes(id)).length;
    const duplicated = ids.length - new Set(ids).size;
    const s = summarize(latencies);
    const b = summarize(bare);
    const result = {
      escalations: total,
      failFirst,
      backoffMs: backoff,
      nodes: nodeCount,
      dueTo2xxMs: { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max },
      dueToEscalationEntryMs: pick(summarize(timerLate)),
      escalationEntryTo2xxMs: pick(summarize(pipeline)),
      bareBaselinePostMs: { p50: b.p50, p99: b.p99 },
      receiver: { requests: receiver.requests, failed: receiver.failed, accepted: receiver.accepted.size, repeatsOfAcceptedKeys: receiver.duplicates.length, badSignatures: receiver.badSignatures.length },
      lost,
      duplicated,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return lost === 0 && duplicated === 0 && receiver.badSignatures.length === 0 ? 0 : 1;
  } finally {
    for (const c of clients) c.close();
    await Promise.allSettled(nodes.map((n) => n.kill()));
    await redis.stop();
    await receiver.close();
  }
}

function pick(x: { p50: number | null; p95: number | null; p99: number | null; max: number | null }) {
  return { p50: x.p50, p95: x.p95, p99: x.p99, max: x.max };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(err instanceof UsageError ? `bench:notify: ${err.message}\n` : `bench:notify failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
