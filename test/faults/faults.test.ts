import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSigner, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { keys, readLog, verifiedLog } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

/**
 * The fault suite: a drill runs (operators on four links exchanging messages, raising alerts, the
 * counterparts acknowledging about half of them, the rest escalating) while, in turn, a node is killed,
 * Redis is stopped and restarted (AOF), a node is frozen and thawed, a console's network is cut and
 * restored, and one user floods. After each: no acknowledged entry lost, none duplicated, every
 * alert's escalation fired exactly once per level and never after its acknowledgement, and every
 * console caught up. The report goes to test/artifacts/fault-report.{json,md}.
 */

const LINKS = [
  { id: 'l1', a: 'op-a1', b: 'op-b1' },
  { id: 'l2', a: 'op-a2', b: 'op-b2' },
  { id: 'l3', a: 'op-a3', b: 'op-b3' },
  { id: 'l4', a: 'sup-a1', b: 'sup-b2' },
];

interface PhaseReport {
  fault: string;
  seconds: number;
  messagesAcked: number;
  alertsRaised: number;
  alertsAcknowledged: number;
  escalationSteps: number;
  retries: number;
  lost: number;
  duplicated: number;
  escalationViolations: number;
  consolesBehind: number;
  recoveryMs: number | null;
}

let cluster: TestCluster;
const proxies: TcpProxy[] = [];
const clients = new Map<string, TestClient>();
const reports: PhaseReport[] = [];
let queue: Queue;

/** Everything the drill's clients had acknowledged by the server. */
const ackedMessages = new Set<string>();
const ackedAlerts = new Map<string, string>(); // clientAlertId -> alertId
const acknowledgedAlerts = new Set<string>();

async function drill(ms: number, phase: string, during?: () => Promise<void>): Promise<{ lastAckAfterFault: number | null }> {
  let stop = false;
  let faultEnded: number | null = null;
  let firstAckAfter: number | null = null;
  let n = 0;
  const onAck = () => {
    if (faultEnded !== null && firstAckAfter === null) firstAckAfter = Date.now() - faultEnded;
  };
  const loops = LINKS.map(async (link, i) => {
    const a = clients.get(link.a)!;
    const b = clients.get(link.b)!;
    while (!stop) {
      const k = n++;
      const id = `${phase}-m-${i}-${k}`;
      const sender = k % 2 ? a : b;
      void sender.send(link.id, `${phase} message ${k} on ${link.id}`, { clientMsgId: id }).then(() => {
        ackedMessages.add(id);
        onAck();
      }, () => undefined);
      if (k % 8 === 0) {
        const alertClientId = `${phase}-a-${i}-${k}`;
        void a.raiseAlert({ linkId: link.id, clientAlertId: alertClientId, kind: 'small-arms-fire', severity: 2, description: `${phase} incident ${k}` }).then(
          (r) => {
            ackedAlerts.set(alertClientId, r.alert.alertId);
            onAck();
            // The counterpart acknowledges about half the alerts, after a moment.
            if (k % 16 === 0) {
              setTimeout(() => {
                void b.ackAlert(r.alert.alertId).then(() => acknowledgedAlerts.add(r.alert.alertId), () => undefined);
              }, 150 + (k % 5) * 60);
            }
          },
          () => undefined,
        );
      }
      await new Promise((r) => setTimeout(r, 60));
    }
  });
  const started = Date.now();
  await new Promise((r) => setTimeout(r, ms / 3));
  if (during) {
    await during();
  }
  faultEnded = Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - started))));
  stop = true;
  await Promise.all(loops);
  return { lastAckAfterFault: firstAckAfter };
}

/** Waits until every client's outbox is empty, every timer has fired and every console holds the logs. */
async function settle(): Promise<void> {
  const drained = async () => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active');
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0) === 0;
  };
  // Timers first (acknowledgements scheduled by the drill go out meanwhile), then the outboxes, then timers again.
  await waitFor(drained, { timeout: 60_000, message: 'escalation timers did not drain' });
  await waitFor(() => [...clients.values()].every((c) => c.outbox.length === 0), { timeout: 60_000, message: 'outboxes did not drain' });
  await waitFor(drained, { timeout: 60_000, message: 'escalation timers did not drain' });
}

async function verify(fault: string, seconds: number, recoveryMs: number | null): Promise<PhaseReport> {
  const redis = cluster.redis.client();
  const logs = new Map<string, Entry[]>();
  for (const l of LINKS) logs.set(l.id, await verifiedLog(redis, l.id));
  const all = [...logs.values()].flat();
  const msgIds = all.flatMap((e) => (e.type === 'message' ? [e.payload.clientMsgId] : []));
  const lost = [...ackedMessages].filter((id) => !msgIds.includes(id)).length + [...ackedAlerts.keys()].filter((id) => !all.some((e) => e.type === 'alert.raised' && e.payload.clientAlertId === id)).length;
  const duplicated = msgIds.length - new Set(msgIds).size;
  let escalationViolations = 0;
  let escalationSteps = 0;
  for (const alertId of ackedAlerts.values()) {
    const entries = all.filter((e) => 'alertId' in e.payload && (e.payload as { alertId: string }).alertId === alertId);
    const steps = entries.flatMap((e) => (e.type === 'alert.escalated' ? [e] : []));
    escalationSteps += steps.length;
    const ack = entries.find((e) => e.type === 'alert.acknowledged');
    const stepNumbers = steps.map((e) => e.payload.step);
    if (stepNumbers.some((s, i) => s !== i + 1)) escalationViolations++; // each level once, in order
    if (ack && steps.some((e) => e.seq > ack.seq)) escalationViolations++; // never after the acknowledgement
    if (!ack && steps.length !== 5) escalationViolations++; // unacknowledged: every level fired (fast policy: 3 levels + 2 repeats)
  }
  // Every console caught up: what it delivered equals the log. Receipts may still be landing (consoles
  // send delivered receipts a moment after the last messages), so compare on a log that held still
  // across the consoles' sync.
  let consolesBehind = 0;
  const headsNow = () => Promise.all(LINKS.map((l) => redis.hget(keys.head(l.id), 'seq')));
  await waitFor(
    async () => {
      const before = await headsNow();
      await Promise.all([...clients.values()].map((c) => c.sync().catch(() => undefined)));
      const after = await headsNow();
      if (before.join() !== after.join()) return false;
      consolesBehind = 0;
      for (const [name, c] of clients) {
        for (const link of c.links) {
          const log = await readLog(redis, link);
          const seen = c.entries.filter((e) => e.linkId === link).map((e) => e.hash);
          if (seen.length !== log.length || seen.some((h, i) => h !== log[i]!.hash)) {
            consolesBehind++;
            console.error(`console ${name} on ${link}: holds ${seen.length}, log has ${log.length}`);
          }
        }
      }
      return true;
    },
    { timeout: 30_000, message: 'the logs did not hold still' },
  );
  const report: PhaseReport = {
    fault,
    seconds,
    messagesAcked: ackedMessages.size,
    alertsRaised: ackedAlerts.size,
    alertsAcknowledged: acknowledgedAlerts.size,
    escalationSteps,
    retries: [...clients.values()].reduce((n, c) => n + c.retries, 0),
    lost,
    duplicated,
    escalationViolations,
    consolesBehind,
    recoveryMs,
  };
  reports.push(report);
  return report;
}

function expectClean(r: PhaseReport): void {
  expect({ lost: r.lost, duplicated: r.duplicated, escalationViolations: r.escalationViolations, consolesBehind: r.consolesBehind }).toEqual({
    lost: 0,
    duplicated: 0,
    escalationViolations: 0,
    consolesBehind: 0,
  });
}

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 3,
    aof: true,
    // Production rate limits (the harness lifts them by default), so the flood meets them.
    env: { HOTLINE_SWEEP_INTERVAL: '1s', HOTLINE_PRESENCE_TTL: '3s', HOTLINE_RATE_USER: '100/1s', HOTLINE_RATE_POST: '200/1s' },
  });
  queue = new Queue('escalations', { connection: cluster.redis.client(), prefix: keys.bullPrefix });
  queue.on('error', () => undefined); // Redis is stopped on purpose in one phase
  // Each console reaches the service through its own "network" (a proxy that also balances over the nodes).
  const ports = cluster.nodes.map((n) => n.port);
  for (const link of LINKS) {
    for (const user of [link.a, link.b]) {
      if (clients.has(user)) continue;
      const proxy = await startProxy(ports);
      proxies.push(proxy);
      const c = await connectClient(proxy.url, user, { ackTimeoutMs: 1500, healthCheckMs: 2000, socket: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 3000 } });
      clients.set(user, c);
    }
  }
});

afterAll(async () => {
  for (const c of clients.values()) c.close();
  await queue?.close();
  for (const p of proxies) await p.close();
  await cluster?.stop();
  mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
  writeFileSync(path.join(ROOT, 'test/artifacts/fault-report.json'), `${JSON.stringify(reports, null, 2)}\n`);
  const md = [
    '| fault | s | messages acked | alerts | acked | escalation steps | retries | lost | duplicated | escalation violations | consoles behind | first ack after fault |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...reports.map((r) => `| ${r.fault} | ${r.seconds.toFixed(1)} | ${r.messagesAcked} | ${r.alertsRaised} | ${r.alertsAcknowledged} | ${r.escalationSteps} | ${r.retries} | ${r.lost} | ${r.duplicated} | ${r.escalationViolations} | ${r.consolesBehind} | ${r.recoveryMs === null ? '-' : `${r.recoveryMs} ms`} |`),
  ].join('\n');
  writeFileSync(path.join(ROOT, 'test/artifacts/fault-report.md'), `${md}\n`);
  console.log(`\nFault suite report (cumulative counts)\n${md}\n`);
});

describe('fault suite: a drill under faults', () => {
  it('baseline: no fault', async () => {
    const t = Date.now();
    await drill(4000, 'baseline');
    await settle();
    expectClean(await verify('none (baseline)', (Date.now() - t) / 1000, null));
  });

  it('a server node killed with SIGKILL, then restarted', async () => {
    const t = Date.now();
    const { lastAckAfterFault } = await drill(6000, 'kill', async () => {
      await cluster.nodes[0]!.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await cluster.nodes[0]!.start();
    });
    await settle();
    expectClean(await verify('SIGKILL a node, restart it', (Date.now() - t) / 1000, lastAckAfterFault));
  });

  it('Redis stopped and restarted (AOF)', async () => {
    const t = Date.now();
    const { lastAckAfterFault } = await drill(7000, 'redis', async () => {
      await cluster.redis.shutdown();
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.redis.start();
    });
    await settle();
    expectClean(await verify('stop and restart Redis (AOF)', (Date.now() - t) / 1000, lastAckAfterFault));
  });

  it('a node frozen (SIGSTOP) and thawed (SIGCONT)', async () => {
    const t = Date.now();
    const { lastAckAfterFault } = await drill(8000, 'freeze', async () => {
      cluster.nodes[1]!.signal('SIGSTOP');
      await new Promise((r) => setTimeout(r, 3000));
      cluster.nodes[1]!.signal('SIGCONT');
    });
    await settle();
    expectClean(await verify('SIGSTOP a node 3 s, SIGCONT', (Date.now() - t) / 1000, lastAckAfterFault));
  });

  it('a console’s network dropped and restored', async () => {
    const t = Date.now();
    const cut = proxies[0]!; // op-a1's network
    const { lastAckAfterFault } = await drill(6000, 'network', async () => {
      cut.cut();
      await new Promise((r) => setTimeout(r, 2000));
      cut.restore();
    });
    await settle();
    expectClean(await verify('cut one console’s network 2 s', (Date.now() - t) / 1000, lastAckAfterFault));
  });

  it('one user flooding', async () => {
    const t = Date.now();
    const { lastAckAfterFault } = await drill(5000, 'flood', async () => {
      const flood = rawSocket(cluster.nodes[2]!.url, tokenFor('op-a3', 'operator'));
      await nextEvent(flood, 'connect');
      const { sign } = await rawSigner(flood, 'op-a3');
      const payloads = await Promise.all(
        Array.from({ length: 400 }, (_, i) => sign('hotline:send', { linkId: 'l3', clientMsgId: `flood-${i}`, text: 'x'.repeat(3000), precedence: 'routine', drill: false })),
      );
      const acks = await Promise.all(payloads.map((p) => emitAck(flood, 'hotline:send', p)));
      const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
      flood.close();
      expect(limited).toBeGreaterThan(0);
      // Only what the flood got acked counts as acknowledged.
      acks.forEach((a, i) => a.ok && ackedMessages.add(`flood-${i}`));
    });
    await settle();
    const r = await verify('one user floods 400 sends', (Date.now() - t) / 1000, lastAckAfterFault);
    expectClean(r);
    const flooded = (await readLog(cluster.redis.client(), 'l3')).filter((e) => e.type === 'message' && e.payload.clientMsgId.startsWith('flood-'));
    expect(flooded.length).toBeLessThan(400);
  });
});
