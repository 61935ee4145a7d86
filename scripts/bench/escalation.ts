/**
 * Escalation timers: `count` alerts raised through the SDK with one escalation level `delayMs` after the
 * raise, every other one acknowledged by the counterpart as soon as it is raised; then the lateness of
 * every escalation that fired (the alert.escalated entry's server time after its due time), lost
 * escalations (an unacknowledged alert that never escalated) and duplicates (a step recorded twice, or
 * an escalation after the acknowledgement). The bare baseline: plain BullMQ delayed jobs with the same
 * due times (added when the full run's raises landed) on two worker processes, every other one removed
 * at once. Also the cost of an acknowledgement that removes the pending job beside a bare job removal,
 * measured one at a time on an otherwise idle system, and under the load of the run.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Entry, SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { summarize, type Summary } from '../lib/stats.js';
import { REDIS_HZ } from '../../test/helpers/redis.js';
import { cpuTimeOf, spawnBench } from './procs.js';
import type { BenchCluster } from './setup.js';

export interface EscalationSide {
  /** Escalations expected (timers not cancelled). */
  expected: number;
  fired: number;
  lost: number;
  duplicates: number;
  /** Fired after the acknowledgement (full) or although removed (bare). */
  afterAck: number;
  latenessMs: Summary;
  /** One acknowledgement (full) or removal (bare) at a time, nothing else running, ms. */
  cancelMs: Summary;
  /** The same during the run (raises and acknowledgements going on), ms. */
  cancelUnderLoadMs: Summary;
  /** How long raising (adding) everything took, ms. */
  scheduleMs: number;
  /** Redis's CPU use from the first raise (add) until every timer fired, % of one core. */
  redisCpuPercent?: number;
}

export interface EscalationResult {
  count: number;
  delayMs: number;
  /** Raises per second the full service achieved (the target was `raiseRate`). */
  raiseRate: { target: number; achieved: number };
  /** Acknowledgements that landed after their alert's deadline (their escalation may legitimately precede them). */
  lateAcks: number;
  full: EscalationSide;
  bare: EscalationSide;
  /** The bare baseline again with Redis at its default hz 10 (unless --no-hz-compare). */
  bareHz10?: EscalationSide;
  /** Redis's timer frequency for the full and bare runs. */
  redisHz: number;
  /** Redis's CPU use, % of one core, with the nodes connected and idle, at hz 10 and at REDIS_HZ. */
  idleRedisCpu: { hz10: number; hz: number; sampleMs: number };
  /** full lateness p99 / bare lateness p99 */
  latenessRatio: number | null;
  /** full cancel p50 / bare cancel p50, unloaded */
  cancelRatio: number | null;
}

const until = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function readEntries(redis: Redis, linkId: string, afterSeq: number): Promise<Entry[]> {
  const rows = await redis.xrange(`hotline:log:{link:${linkId}}`, `(${afterSeq}-0`, '+');
  return rows.map(([, f]) => JSON.parse(f[f.indexOf('e') + 1]!) as Entry);
}

async function drained(queue: Queue, deadline: number, extra: () => Promise<boolean> = async () => true): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    if (((c.waiting ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0 && (await extra())) || Date.now() > deadline) return;
    await until(200);
  }
}

/**
 * The bare baseline: plain BullMQ delayed jobs with the due times of the full run (`raisedAt`, ms after
 * its start) on two worker processes, every other one removed at once; Redis's timer frequency set to
 * `hz` for the run (and back to REDIS_HZ after).
 */
async function bareRun(cluster: BenchCluster, redis: Redis, raisedAt: number[], calibration: number, hz: number, o: { delayMs: number; log: (line: string) => void }): Promise<EscalationSide> {
  await redis.config('SET', 'hz', String(hz));
  try {
    return await bareRunAt(cluster, redis, raisedAt, calibration, hz, o);
  } finally {
    await redis.config('SET', 'hz', String(REDIS_HZ));
  }
}

async function bareRunAt(cluster: BenchCluster, redis: Redis, raisedAt: number[], calibration: number, hz: number, o: { delayMs: number; log: (line: string) => void }): Promise<EscalationSide> {
  const firedKey = `bench:bare-fired:${hz}`;
  const bareQueueName = `bench-bare-${hz}`;
  const prefix = '{bench:bull}';
  const workers = await Promise.all(
    [0, 1].map(() =>
      spawnBench('scripts/bench/bare-worker.ts', { REDIS_URL: cluster.redis.url, BENCH_QUEUE: bareQueueName, BENCH_PREFIX: prefix, BENCH_FIRED_KEY: firedKey, BENCH_CONCURRENCY: '50' }, false),
    ),
  );
  cluster.extra.push(...workers);
  const bareQueue = new Queue(bareQueueName, { connection: cluster.redis.client(), prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  const idleRemoveMs: number[] = [];
  for (let i = 0; i < calibration; i++) {
    const id = `bare-cal-${i}`;
    await bareQueue.add('escalate', { i }, { jobId: id, delay: o.delayMs });
    const t = performance.now();
    await bareQueue.remove(id);
    idleRemoveMs.push(performance.now() - t);
  }
  const removedMs: number[] = [];
  const removed = new Set<string>();
  let added = 0;
  const barePending: Promise<unknown>[] = [];
  o.log(`escalation (bare, Redis hz ${hz}): adding ${raisedAt.length} delayed BullMQ jobs when the full run's raises landed; removing every other one at once`);
  const b0 = performance.now();
  const cpu0 = cpuTimeOf(cluster.redisPid);
  let j = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - b0;
      while (j < raisedAt.length && raisedAt[j]! <= now) {
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
      if (j >= raisedAt.length) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(barePending);
  const bareScheduleMs = performance.now() - b0;
  const expectedBare = added - removed.size;
  await until(b0 + (raisedAt[raisedAt.length - 1] ?? 0) + o.delayMs - performance.now());
  await drained(bareQueue, Date.now() + 60_000, async () => (await redis.llen(firedKey)) >= expectedBare);
  const redisCpuMs = cpuTimeOf(cluster.redisPid) - cpu0;
  const windowMs = performance.now() - b0;
  await bareQueue.close();
  await Promise.all(workers.map((w) => w.kill()));
  const rows = await redis.lrange(firedKey, 0, -1);
  const firedCount = new Map<string, number>();
  const bareLateness: number[] = [];
  let bareAfterRemove = 0;
  for (const row of rows) {
    const [id, firedAt, due] = row.split(' ');
    firedCount.set(id!, (firedCount.get(id!) ?? 0) + 1);
    bareLateness.push(Number(firedAt) - Number(due));
    if (removed.has(id!)) bareAfterRemove++;
  }
  let bareDup = 0;
  for (const n of firedCount.values()) if (n > 1) bareDup += n - 1;
  let bareLost = 0;
  for (let i = 0; i < added; i++) {
    const id = `bare-${i}`;
    if (!removed.has(id) && !firedCount.has(id)) bareLost++;
  }
  const side: EscalationSide = {
    expected: expectedBare,
    fired: rows.length,
    lost: bareLost,
    duplicates: bareDup,
    afterAck: bareAfterRemove,
    latenessMs: summarize(bareLateness),
    cancelMs: summarize(idleRemoveMs),
    cancelUnderLoadMs: summarize(removedMs),
    scheduleMs: Math.round(bareScheduleMs),
    redisCpuPercent: Math.round((redisCpuMs / windowMs) * 1000) / 10,
  };
  return side;
}

export async function escalationBench(cluster: BenchCluster, o: { count: number; delayMs: number; rate: number; compareHz: boolean; log: (line: string) => void }): Promise<EscalationResult> {
  const { topo, signer } = cluster;
  const redis = cluster.redis.client();
  const pairs = topo.pairs;
  const calibration = Math.min(200, Math.max(10, Math.floor(o.count / 10)));

  const make = (user: string, post: string, url: string, linkId: string) =>
    new HotlineClient({
      url,
      token: signer.issue({ id: user, role: 'operator' }).token,
      user: { id: user, name: user, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false } satisfies SessionUser,
      links: [linkId],
      ackTimeoutMs: 30_000,
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

  // --- the cost of an acknowledgement on an idle service, one at a time --------------------------
  o.log(`escalation (full): ${calibration} acknowledgements one at a time on an idle service`);
  const idleAckMs: number[] = [];
  for (let i = 0; i < calibration; i++) {
    const c = clients[i % pairs]!;
    const { alert } = await c.a.raiseAlert({ linkId: c.linkId, clientAlertId: `bench-cal-${i}`, kind: 'other', severity: 2, description: `calibration ${i}` });
    const t = performance.now();
    await c.b.ackAlert(alert.alertId);
    idleAckMs.push(performance.now() - t);
    acked.add(alert.alertId);
  }

  // --- the run: raise through the SDK, the counterpart acknowledges every other alert at once ------
  const ackMs: number[] = [];
  const dueAt = new Map<string, number>();
  /** ms after t0 at which each raise was stored: the bare run adds its jobs at the same moments. */
  const raisedAt: number[] = [];
  let failures = 0;
  const pending: Promise<unknown>[] = [];
  o.log(`escalation (full): raising ${o.count} alerts at up to ${o.rate}/s, one level ${o.delayMs / 1000} s after each raise; every other one acknowledged at once`);
  const t0 = performance.now();
  const fullCpu0 = cpuTimeOf(cluster.redisPid);
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(o.count, Math.floor(((performance.now() - t0) * o.rate) / 1000) + 1);
      while (k < due) {
        const i = k++;
        const c = clients[i % pairs]!;
        pending.push(
          c.a
            .raiseAlert({ linkId: c.linkId, clientAlertId: `bench-esc-${i}`, kind: 'other', severity: 2, description: `bench alert ${i}` })
            .then(async ({ alert }) => {
              raisedAt.push(performance.now() - t0);
              if (alert.nextEscalationAt !== null) dueAt.set(alert.alertId, alert.nextEscalationAt);
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
      }
      if (k >= o.count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  const fullScheduleMs = performance.now() - t0;
  raisedAt.sort((a, b) => a - b);
  const achieved = Math.round((o.count / (raisedAt[raisedAt.length - 1] ?? fullScheduleMs)) * 1000);
  o.log(`escalation (full): ${raisedAt.length} raised (${achieved}/s) and ${acked.size - calibration} acknowledged in ${(fullScheduleMs / 1000).toFixed(1)} s (${failures} failed); waiting for the timers`);
  if (fullScheduleMs > o.delayMs) {
    o.log(`escalation: raising took longer than the ${o.delayMs / 1000} s delay: the first timers fired while alerts were still being raised (lateness includes that load; use a longer --timer-delay to keep them apart)`);
  }
  const queue = new Queue('escalations', { connection: cluster.redis.client(), prefix: '{hotline:bull}' });
  await until(t0 + (raisedAt[raisedAt.length - 1] ?? 0) + o.delayMs - performance.now());
  await drained(queue, Date.now() + 60_000);
  const fullRedisCpuPercent = Math.round(((cpuTimeOf(cluster.redisPid) - fullCpu0) / (performance.now() - t0)) * 1000) / 10;
  await queue.close();
  for (const c of clients) {
    c.a.close();
    c.b.close();
  }

  // What the logs say: each unacknowledged alert escalated exactly once, none after its acknowledgement.
  const lateness: number[] = [];
  const steps = new Map<string, number>();
  let afterAck = 0;
  let lateAcks = 0;
  for (const c of clients) {
    const entries = await readEntries(redis, c.linkId, startHeads.get(c.linkId) ?? 0);
    const ackSeq = new Map<string, { seq: number; ts: number }>();
    for (const e of entries) if (e.type === 'alert.acknowledged') ackSeq.set(e.payload.alertId, { seq: e.seq, ts: e.ts });
    for (const [alertId, a] of ackSeq) if (a.ts > (dueAt.get(alertId) ?? Infinity)) lateAcks++;
    for (const e of entries) {
      if (e.type !== 'alert.escalated') continue;
      steps.set(e.payload.alertId, (steps.get(e.payload.alertId) ?? 0) + 1);
      lateness.push(e.ts - e.payload.dueAt);
      const ack = ackSeq.get(e.payload.alertId);
      if (ack && e.seq > ack.seq) afterAck++;
    }
  }
  const unacked = [...dueAt.keys()].filter((id) => !acked.has(id));
  let fullDup = 0;
  let fullFired = 0;
  for (const n of steps.values()) {
    fullFired += n;
    if (n > 1) fullDup += n - 1;
  }
  const full: EscalationSide = {
    expected: unacked.length,
    fired: fullFired,
    lost: unacked.filter((id) => !steps.has(id)).length,
    duplicates: fullDup,
    afterAck,
    latenessMs: summarize(lateness),
    cancelMs: summarize(idleAckMs),
    cancelUnderLoadMs: summarize(ackMs),
    scheduleMs: Math.round(fullScheduleMs),
    redisCpuPercent: fullRedisCpuPercent,
  };

  const bare = await bareRun(cluster, redis, raisedAt, calibration, REDIS_HZ, o);
  // The same at Redis's default timer frequency, for the lateness and the Redis CPU it saves.
  const bareHz10 = o.compareHz ? await bareRun(cluster, redis, raisedAt, calibration, 10, o) : undefined;
  const idle = await idleRedisCpu(cluster, redis, o.log);
  return {
    count: o.count,
    delayMs: o.delayMs,
    raiseRate: { target: o.rate, achieved },
    lateAcks,
    full,
    bare,
    ...(bareHz10 ? { bareHz10 } : {}),
    redisHz: REDIS_HZ,
    idleRedisCpu: idle,
    latenessRatio: full.latenessMs.p99 !== null && bare.latenessMs.p99 ? full.latenessMs.p99 / bare.latenessMs.p99 : null,
    cancelRatio: full.cancelMs.p50 !== null && bare.cancelMs.p50 ? full.cancelMs.p50 / bare.cancelMs.p50 : null,
  };
}

/** Redis's own CPU use with the nodes connected and nothing to do, at hz 10 and at REDIS_HZ. */
async function idleRedisCpu(cluster: BenchCluster, redis: Redis, log: (line: string) => void): Promise<EscalationResult['idleRedisCpu']> {
  const sampleMs = 5000;
  const sample = async (hz: number) => {
    await redis.config('SET', 'hz', String(hz));
    await until(500);
    const c0 = cpuTimeOf(cluster.redisPid);
    const t0 = performance.now();
    await until(sampleMs);
    return Math.round(((cpuTimeOf(cluster.redisPid) - c0) / (performance.now() - t0)) * 1000) / 10;
  };
  try {
    const hz10 = await sample(10);
    const hz = await sample(REDIS_HZ);
    log(`escalation: idle Redis CPU ${hz10}% of a core at hz 10, ${hz}% at hz ${REDIS_HZ}`);
    return { hz10, hz, sampleMs };
  } finally {
    await redis.config('SET', 'hz', String(REDIS_HZ));
  }
}
