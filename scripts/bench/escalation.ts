/**
 * Escalation timers: `count` alerts raised through the SDK with one escalation level `delayMs` after the
 * raise, half of them acknowledged at once; then the lateness of every escalation that fired (the
 * alert.escalated entry's server time after its due time), lost escalations (an unacknowledged alert
 * that never escalated) and duplicates (a step twice, or any escalation of an acknowledged alert). The
 * bare baseline: plain BullMQ delayed jobs with the same due times on two worker processes, half of
 * them removed at once. Also the cost of an acknowledgement that removes the pending job, beside a bare
 * job removal.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Entry, SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { summarize, type Summary } from '../lib/stats.js';
import { spawnBench } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface EscalationSide {
  /** Escalations expected (alerts not acknowledged). */
  expected: number;
  fired: number;
  lost: number;
  duplicates: number;
  /** Fired although acknowledged (or removed) before the deadline. */
  afterAck: number;
  latenessMs: Summary;
  /** Round trip of the acknowledgement (full) or of the removal (bare), ms. */
  cancelMs: Summary;
  /** How long raising (adding) everything took, ms. */
  scheduleMs: number;
}

export interface EscalationResult {
  count: number;
  delayMs: number;
  full: EscalationSide;
  bare: EscalationSide;
  /** full lateness p99 / bare lateness p99 */
  latenessRatio: number | null;
  /** full cancel p50 / bare cancel p50 */
  cancelRatio: number | null;
}

interface Progress {
  (line: string): void;
}

const until = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Paced issue of `count` tasks at `rate`/s; returns the offset (ms after the start) each one went out. */
async function paced(count: number, rate: number, issue: (i: number) => void): Promise<number[]> {
  const offsets: number[] = [];
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      while (i < due) {
        offsets.push(performance.now() - t0);
        issue(i++);
      }
      if (i >= count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  return offsets;
}

async function readEntries(redis: Redis, linkId: string, afterSeq: number): Promise<Entry[]> {
  const rows = await redis.xrange(`hotline:log:{link:${linkId}}`, `(${afterSeq}-0`, '+');
  return rows.map(([, f]) => JSON.parse(f[f.indexOf('e') + 1]!) as Entry);
}

export async function escalationBench(cluster: BenchCluster, o: { count: number; delayMs: number; rate: number; log: Progress }): Promise<EscalationResult> {
  const { topo, signer } = cluster;
  const redis = cluster.redis.client();
  const pairs = topo.pairs;

  // --- full: raise through the SDK, the counterpart acknowledges every other alert at once ------
  const make = (user: string, post: string, url: string, linkId: string) =>
    new HotlineClient({
      url,
      token: signer.issue({ id: user, role: 'operator' }).token,
      user: { id: user, name: user, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false } satisfies SessionUser,
      links: [linkId],
      ackTimeoutMs: 15_000,
      deliveredReceipts: false,
      healthCheckMs: 0,
      socket: { transports: ['websocket'] },
    });
  const clients = Array.from({ length: pairs }, (_, i) => {
    const p = topo.pair(i);
    return { linkId: p.linkId, a: make(p.a.user, p.a.post, cluster.full[0].url, p.linkId), b: make(p.b.user, p.b.post, cluster.full[1].url, p.linkId) };
  });
  await Promise.all(clients.flatMap((c) => [c.a.connect(), c.b.connect()]));
  const startHeads = new Map<string, number>();
  for (const c of clients) startHeads.set(c.linkId, c.a.cursor(c.linkId));

  const acked = new Set<string>();
  const ackMs: number[] = [];
  let raised = 0;
  let failures = 0;
  const pending: Promise<unknown>[] = [];
  o.log(`escalation (full): raising ${o.count} alerts at ${o.rate}/s, one level ${o.delayMs / 1000} s after each raise; half acknowledged at once`);
  const t0 = Date.now();
  const offsets = await paced(o.count, o.rate, (i) => {
    const c = clients[i % pairs]!;
    pending.push(
      c.a
        .raiseAlert({ linkId: c.linkId, clientAlertId: `bench-esc-${i}`, kind: 'other', severity: 2, description: `bench alert ${i}` })
        .then(async ({ alert }) => {
          raised++;
          if (i % 2 === 0) {
            const started = performance.now();
            await c.b.ackAlert(alert.alertId);
            ackMs.push(performance.now() - started);
            acked.add(alert.alertId);
          }
        })
        .catch(() => {
          failures++;
        }),
    );
  });
  await Promise.all(pending);
  const fullScheduleMs = Date.now() - t0;
  o.log(`escalation (full): ${raised} raised and ${acked.size} acknowledged in ${(fullScheduleMs / 1000).toFixed(1)} s (${failures} failed); waiting for the timers`);
  const queue = new Queue('escalations', { connection: cluster.redis.client(), prefix: '{hotline:bull}' });
  const deadline = Date.now() + o.delayMs + 60_000;
  await until(t0 + (offsets[offsets.length - 1] ?? 0) + o.delayMs - Date.now());
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    if ((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0 || Date.now() > deadline) break;
    await until(200);
  }
  await queue.close();
  for (const c of clients) {
    c.a.close();
    c.b.close();
  }

  // What the logs say: each unacknowledged alert escalated exactly once, no acknowledged one ever.
  const lateness: number[] = [];
  const stepsByAlert = new Map<string, number>();
  let afterAck = 0;
  for (const c of clients) {
    const entries = await readEntries(redis, c.linkId, startHeads.get(c.linkId) ?? 0);
    const ackSeq = new Map<string, number>();
    for (const e of entries) {
      if (e.type === 'alert.acknowledged') ackSeq.set(e.payload.alertId, e.seq);
      if (e.type !== 'alert.escalated') continue;
      stepsByAlert.set(e.payload.alertId, (stepsByAlert.get(e.payload.alertId) ?? 0) + 1);
      lateness.push(e.ts - e.payload.dueAt);
      if (acked.has(e.payload.alertId)) afterAck++;
    }
  }
  const unackedCount = raised - acked.size;
  let fullLost = 0;
  let fullDup = 0;
  let fullFired = 0;
  for (const [, n] of stepsByAlert) {
    fullFired += n;
    if (n > 1) fullDup += n - 1;
  }
  // Every raised alert that was not acknowledged must have escalated.
  fullLost = unackedCount - [...stepsByAlert.keys()].filter((id) => !acked.has(id)).length;
  const full: EscalationSide = {
    expected: unackedCount,
    fired: fullFired,
    lost: fullLost,
    duplicates: fullDup,
    afterAck,
    latenessMs: summarize(lateness),
    cancelMs: summarize(ackMs),
    scheduleMs: fullScheduleMs,
  };

  // --- bare: the same due times as plain BullMQ delayed jobs, two worker processes ----------------
  const firedKey = 'bench:bare-fired';
  const bareQueueName = 'bench-bare';
  const prefix = '{bench:bull}';
  const workers = await Promise.all(
    [0, 1].map(() =>
      spawnBench('scripts/bench/bare-worker.ts', { REDIS_URL: cluster.redis.url, BENCH_QUEUE: bareQueueName, BENCH_PREFIX: prefix, BENCH_FIRED_KEY: firedKey, BENCH_CONCURRENCY: '50' }, false),
    ),
  );
  cluster.extra.push(...workers);
  const bareQueue = new Queue(bareQueueName, { connection: cluster.redis.client(), prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  const removedMs: number[] = [];
  const removed = new Set<string>();
  let added = 0;
  const barePending: Promise<unknown>[] = [];
  o.log(`escalation (bare): adding ${o.count} delayed BullMQ jobs on the same schedule; removing half at once`);
  const b0 = performance.now();
  let j = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - b0;
      while (j < o.count && offsets[j]! <= now) {
        const i = j++;
        const id = `bare-${i}`;
        barePending.push(
          bareQueue.add('escalate', { i }, { jobId: id, delay: o.delayMs }).then(async () => {
            added++;
            if (i % 2 === 0) {
              const started = performance.now();
              const n = await bareQueue.remove(id);
              removedMs.push(performance.now() - started);
              if (n === 1) removed.add(id);
            }
          }),
        );
      }
      if (j >= o.count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(barePending);
  const bareScheduleMs = performance.now() - b0;
  const bareDeadline = Date.now() + o.delayMs + 60_000;
  await until(b0 + (offsets[offsets.length - 1] ?? 0) + o.delayMs - performance.now());
  const expectedBare = added - removed.size;
  for (;;) {
    const n = await redis.llen(firedKey);
    const counts = await bareQueue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    const left = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0);
    if ((n >= expectedBare && left === 0) || Date.now() > bareDeadline) break;
    await until(200);
  }
  await bareQueue.close();
  await Promise.all(workers.map((w) => w.kill()));
  const rows = await redis.lrange(firedKey, 0, -1);
  const firedCount = new Map<string, number>();
  const bareLateness: number[] = [];
  let bareAfterRemove = 0;
  for (const row of rows) {
    const [id, firedAt, dueAt] = row.split(' ');
    firedCount.set(id!, (firedCount.get(id!) ?? 0) + 1);
    bareLateness.push(Number(firedAt) - Number(dueAt));
    if (removed.has(id!)) bareAfterRemove++;
  }
  let bareDup = 0;
  for (const n of firedCount.values()) if (n > 1) bareDup += n - 1;
  let bareLost = 0;
  for (let i = 0; i < o.count; i++) {
    const id = `bare-${i}`;
    if (!removed.has(id) && !firedCount.has(id)) bareLost++;
  }
  const bare: EscalationSide = {
    expected: expectedBare,
    fired: rows.length,
    lost: bareLost,
    duplicates: bareDup,
    afterAck: bareAfterRemove,
    latenessMs: summarize(bareLateness),
    cancelMs: summarize(removedMs),
    scheduleMs: Math.round(bareScheduleMs),
  };
  return {
    count: o.count,
    delayMs: o.delayMs,
    full,
    bare,
    latenessRatio: full.latenessMs.p99 !== null && bare.latenessMs.p99 ? full.latenessMs.p99 / bare.latenessMs.p99 : null,
    cancelRatio: full.cancelMs.p50 !== null && bare.cancelMs.p50 ? full.cancelMs.p50 / bare.cancelMs.p50 : null,
  };
}
