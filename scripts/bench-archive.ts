/**
 * The link-log archive, measured on this machine with a private redis-server and PostgreSQL:
 *   npm run bench:archive [-- --links 2 --per-day 250 --days 40 --window-days 7 --sync-entries 20000]
 *
 * 1. Bytes per entry: Redis (used_memory growth over the appended entries, a stated mix of signed
 *    messages, signed receipts and server entries) and the archive (PostgreSQL table and index size).
 * 2. Redis memory against deployment age for the stated traffic (`--per-day` entries per link per day
 *    on `--links` links), with and without archiving: the same entries appended day by day (a simulated
 *    clock) to two Redis servers; the mover runs after each day on one of them, with a window of
 *    `--window-days`, checkpoints signed as the server does.
 * 3. Sync throughput: reading a link in pages of 1,000 through the link-log store, from the archive
 *    (a link wholly archived) against from Redis (the same entries in a hot link), in the same run.
 *
 * Prints a JSON report and writes it to bench-results/archive-latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type { Redis } from 'ioredis';
import type { Checkpoint, Entry, EntryDraft, Escalation, Presence } from '@hotline/shared';
import { TopologyIndex } from '../server/src/domain/topology-index.js';
import { ArchiveService } from '../server/src/service/archive-service.js';
import type { Broadcaster } from '../server/src/service/broadcaster.js';
import { CheckpointService, loadServerKey } from '../server/src/service/checkpoint-service.js';
import { PgLinkArchive, archiveGrantSql, archiveSchemaSql } from '../server/src/store/archive.js';
import { ArchivedLinkLog } from '../server/src/store/archived-link-log.js';
import { RedisCheckpointStore } from '../server/src/store/checkpoint-store.js';
import { RedisHotLog } from '../server/src/store/hot-log.js';
import { Keys } from '../server/src/store/keys.js';
import { RedisLinkLog } from '../server/src/store/link-log.js';
import { loadTopology } from '../server/src/topology-file.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startRedis } from '../test/helpers/redis.js';
import { ROOT } from '../test/helpers/server.js';
import { makeTopology } from '../test/helpers/topology.js';
import { numberFlag } from './lib/cli.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    links: { type: 'string', default: '2' },
    'per-day': { type: 'string', default: '250' },
    days: { type: 'string', default: '40' },
    'window-days': { type: 'string', default: '7' },
    'sync-entries': { type: 'string', default: '20000' },
  },
});
const LINKS = numberFlag('links', values.links, { min: 1, max: 2, integer: true })!;
const PER_DAY = numberFlag('per-day', values['per-day'], { min: 1, max: 100_000, integer: true })!;
const DAYS = numberFlag('days', values.days, { min: 2, max: 3650, integer: true })!;
const WINDOW_DAYS = numberFlag('window-days', values['window-days'], { min: 1, max: 3650, integer: true })!;
const SYNC_ENTRIES = numberFlag('sync-entries', values['sync-entries'], { min: 1000, max: 1_000_000, integer: true })!;
const DAY = 86_400_000;
const TEXT = 'Routine check from the north post: all quiet along the ridge, visibility good, no movement seen.';

const silent = pino({ level: 'silent' });
const noBroadcast: Broadcaster = {
  entry: (_e: Entry) => undefined,
  entryAgain: (_e: Entry) => undefined,
  escalation: (_u: string, _e: Escalation) => undefined,
  presence: (_p: Presence, _l: readonly string[]) => undefined,
  checkpoint: (_c: Checkpoint) => undefined,
};

/** The stated mix: 40 % signed messages, 50 % signed receipts, 10 % server entries (line checks). */
function draftOf(linkId: string, i: number, prevSeq: number): EntryDraft {
  const side = i % 2 ? 'a' : 'b';
  const sig = { keyId: 'k'.repeat(22), value: 'c'.repeat(86) };
  const actor = { userId: `op-${side}1`, role: 'operator' as const, postId: `${side}1` };
  const k = i % 10;
  if (k < 4) return { linkId, type: 'message', actor, drill: false, payload: { clientMsgId: `m-${linkId}-${i}-0000`, text: TEXT, precedence: 'routine' }, sig };
  if (k < 9) {
    return { linkId, type: 'receipt', actor, drill: false, payload: { kind: k % 2 ? 'delivered' : 'read', postId: `${side}1`, uptoSeq: Math.max(1, prevSeq), uptoHash: 'f'.repeat(64) }, sig };
  }
  return {
    linkId,
    type: 'linecheck.started',
    actor: { userId: 'system', role: 'system', postId: null },
    drill: false,
    payload: { checkId: `LC-${linkId}-${i}`, slotAt: 0, late: false, missedSlots: 0, windowEndsAt: 0, posts: ['a1', 'b1'] },
  };
}

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

const [hotRedis, plainRedis, postgres] = await Promise.all([startRedis(), startRedis(), startPostgres()]);
try {
  const admin = await postgres.client();
  await admin.query('CREATE DATABASE bench');
  await admin.query("CREATE ROLE bench_svc LOGIN PASSWORD 'bench'");
  const owner = await postgres.client('bench');
  await owner.query(archiveSchemaSql());
  await owner.query(archiveGrantSql('bench_svc'));
  const archive = new PgLinkArchive(postgres.url('bench', 'bench_svc', 'bench'));

  const { file } = await makeTopology();
  const topo = new TopologyIndex(loadTopology(file));
  const linkIds = topo.links.map((l) => l.id).slice(0, LINKS);
  const keys = new Keys('hotline');
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;

  const rA = hotRedis.client();
  const rB = plainRedis.client();
  const logA = new RedisLinkLog(rA, keys, { now });
  const logB = new RedisLinkLog(rB, keys, { now });
  const cpStore = new RedisCheckpointStore(rA, keys);
  const key = await loadServerKey(cpStore, undefined);
  const checkpoints = new CheckpointService({ store: cpStore, log: logA, topo, broadcaster: noBroadcast, logger: silent, privateKey: key.privateKey, serverKey: key.info, nodeId: 'bench' });
  // The deployment without an archive signs the same checkpoints (they stay in its Redis too).
  const checkpointsB = new CheckpointService({
    store: new RedisCheckpointStore(rB, keys),
    log: logB,
    topo,
    broadcaster: noBroadcast,
    logger: silent,
    privateKey: key.privateKey,
    serverKey: key.info,
    nodeId: 'bench',
  });
  const checkpointBoth = () => Promise.all([checkpoints.checkpointAll(), checkpointsB.checkpointAll()]);
  const archived = new ArchivedLinkLog(logA, archive);
  const hot = new RedisHotLog(rA, keys);
  const mover = new ArchiveService({
    archive,
    hot,
    log: archived,
    checkpoints: cpStore,
    topo,
    logger: silent,
    serverKey: key.info,
    policy: { afterMs: WINDOW_DAYS * DAY, hotEntries: 1_000_000_000, chunk: 1000, maxSegment: 1_000_000 },
    nodeId: 'bench',
    now,
  });

  // Redis memory that is not link-log entries (the server key, an empty Redis): the baseline.
  const baseA = await usedMemory(rA);
  const baseB = await usedMemory(rB);
  const ages: { day: number; entries: number; redisWithArchive: number; redisWithout: number; hotEntries: number; archiveBytes: number }[] = [];
  let appended = 0;
  const started = performance.now();
  for (let day = 1; day <= DAYS; day++) {
    for (let i = 0; i < PER_DAY; i++) {
      clock += Math.floor(DAY / PER_DAY);
      for (const linkId of linkIds) {
        const idx = appended;
        const plan = () => ({ write: true as const, draft: draftOf(linkId, idx, Math.max(1, idx)), result: () => null });
        await logA.append(linkId, [], plan);
        await logB.append(linkId, [], plan);
        appended++;
      }
      // A checkpoint every simulated hour or so, as a busy link gets them.
      if (i % Math.max(1, Math.floor(PER_DAY / 24)) === 0) await checkpointBoth();
    }
    await checkpointBoth();
    await mover.tick();
    if (day === 1 || day % Math.max(1, Math.floor(DAYS / 10)) === 0 || day === DAYS) {
      const hotEntries = (await Promise.all(linkIds.map((id) => hot.length(id)))).reduce((a, b) => a + b, 0);
      ages.push({
        day,
        entries: appended,
        redisWithArchive: (await usedMemory(rA)) - baseA,
        redisWithout: (await usedMemory(rB)) - baseB,
        hotEntries,
        archiveBytes: (await archive.stats()).bytes,
      });
      process.stderr.write(`day ${day}: ${appended} entries, ${hotEntries} hot\n`);
    }
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const last = ages[ages.length - 1]!;
  const stats = await archive.stats();
  const redisBytesPerEntry = last.redisWithout / last.entries;
  const archiveBytesPerEntry = stats.bytes / stats.entries;

  // 3. Sync throughput: a link wholly archived against the same number of entries hot in Redis (links
  // the simulation above did not use: l3 stays hot, l4 goes wholly to the archive).
  const syncLink = 'l4';
  const syncHot = 'l3';
  for (const [linkId, n] of [
    [syncLink, SYNC_ENTRIES],
    [syncHot, SYNC_ENTRIES],
  ] as const) {
    const have = (await logA.heads([linkId])).get(linkId)!.seq;
    for (let i = have; i < n; i++) await logA.append(linkId, [], () => ({ write: true, draft: draftOf(linkId, i, i), result: () => null }));
  }
  await checkpoints.checkpointAll();
  // Archive l4 wholly (window 0 for it): a mover with no window.
  const allCold = new ArchiveService({
    archive,
    hot,
    log: archived,
    checkpoints: cpStore,
    topo,
    logger: silent,
    serverKey: key.info,
    policy: { afterMs: 0, hotEntries: 0, chunk: 1000, maxSegment: 1_000_000 },
    nodeId: 'bench',
    now: () => clock + DAY,
  });
  const moveStart = performance.now();
  const moved = await allCold.moveLink(syncLink);
  const moveSeconds = (performance.now() - moveStart) / 1000;
  if ((await hot.length(syncLink)) !== 0) throw new Error('the sync link was not wholly archived');
  const readAll = async (linkId: string) => {
    const t = performance.now();
    let n = 0;
    for (let after = 0; ; ) {
      const page = await archived.range(linkId, after, 1000);
      if (page.length === 0) break;
      n += page.length;
      after = page[page.length - 1]!.seq;
    }
    const s = (performance.now() - t) / 1000;
    if (n !== SYNC_ENTRIES) throw new Error(`read ${n} of ${SYNC_ENTRIES} entries of ${linkId}`);
    return n / s;
  };
  const fromArchive: number[] = [];
  const fromRedis: number[] = [];
  for (let round = 0; round < 5; round++) {
    fromRedis.push(await readAll(syncHot));
    fromArchive.push(await readAll(syncLink));
  }

  const perLinkPerDayBytes = PER_DAY * redisBytesPerEntry;
  const report = {
    traffic: { links: LINKS, entriesPerLinkPerDay: PER_DAY, days: DAYS, windowDays: WINDOW_DAYS, mix: '40% signed messages, 50% signed receipts, 10% server entries' },
    bytesPerEntry: { redis: Math.round(redisBytesPerEntry), archive: Math.round(archiveBytesPerEntry) },
    redisMemoryByAge: ages.map((a) => ({
      day: a.day,
      entries: a.entries,
      withArchiveMB: +(a.redisWithArchive / 1e6).toFixed(2),
      withoutMB: +(a.redisWithout / 1e6).toFixed(2),
      hotEntries: a.hotEntries,
      archiveMB: +(a.archiveBytes / 1e6).toFixed(2),
    })),
    sizing: {
      redisPerLinkPerDayKB: +(perLinkPerDayBytes / 1000).toFixed(1),
      archivePerLinkPerDayKB: +((PER_DAY * archiveBytesPerEntry) / 1000).toFixed(1),
    },
    sync: {
      entries: SYNC_ENTRIES,
      page: 1000,
      fromRedisPerSecond: Math.round(median(fromRedis)),
      fromArchivePerSecond: Math.round(median(fromArchive)),
      moveOfWholeLink: { entries: moved.archived, seconds: +moveSeconds.toFixed(2), perSecond: Math.round(moved.archived / moveSeconds) },
    },
    fillSeconds: +fillSeconds.toFixed(1),
    machine: { cpus: (await import('node:os')).cpus().length, loadavg: (await import('node:os')).loadavg().map((l) => +l.toFixed(2)) },
  };
  const out = JSON.stringify(report, null, 2);
  process.stdout.write(`${out}\n`);
  mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench-results', 'archive-latest.json'), out);
  await archive.close();
} finally {
  await Promise.allSettled([hotRedis.stop(), plainRedis.stop(), postgres.stop()]);
}
