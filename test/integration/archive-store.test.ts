import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import type { Redis } from 'ioredis';
import type { Checkpoint, Entry, EntryDraft } from '@hotline/shared';
import { TopologyIndex } from '../../server/src/domain/topology-index.js';
import { ArchiveError, ArchiveService } from '../../server/src/service/archive-service.js';
import type { Broadcaster } from '../../server/src/service/broadcaster.js';
import { CheckpointService, loadServerKey } from '../../server/src/service/checkpoint-service.js';
import { ARCHIVE_SCHEMA, PgLinkArchive, type LinkArchive } from '../../server/src/store/archive.js';
import { ArchivedLinkLog } from '../../server/src/store/archived-link-log.js';
import { RedisCheckpointStore } from '../../server/src/store/checkpoint-store.js';
import { RedisHotLog } from '../../server/src/store/hot-log.js';
import { Keys } from '../../server/src/store/keys.js';
import { RedisLinkLog } from '../../server/src/store/link-log.js';
import { loadTopology } from '../../server/src/topology-file.js';
import { startPostgres, type PostgresProcess } from '../helpers/postgres.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { ROOT } from '../helpers/server.js';
import { makeTopology } from '../helpers/topology.js';

const run = promisify(execFile);

let redis: RedisProcess;
let postgres: PostgresProcess;
let r: Redis;
const keys = new Keys('archive-store');
const archives: PgLinkArchive[] = [];

const silent = pino({ level: 'silent' });
const noBroadcast: Broadcaster = { entry: () => undefined, entryAgain: () => undefined, escalation: () => undefined, presence: () => undefined, checkpoint: (_c: Checkpoint) => undefined };

async function freshArchive(db: string): Promise<PgLinkArchive> {
  const admin = await postgres.client();
  await admin.query(`CREATE DATABASE ${db}`);
  const archive = new PgLinkArchive(postgres.url(db));
  archives.push(archive);
  return archive;
}

function draft(linkId: string, i: number): EntryDraft {
  return { linkId, type: 'message', actor: { userId: 'op-a1', role: 'operator', postId: 'a1' }, drill: false, payload: { clientMsgId: `msg-${linkId}-${i}`, text: `m ${i}`, precedence: 'routine' } };
}

async function fill(log: RedisLinkLog, linkId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(linkId, [], () => ({ write: true, draft: draft(linkId, i), result: () => null }));
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  r = redis.client();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(archives.map((a) => a.close()));
  await Promise.allSettled([redis?.stop(), postgres?.stop()]);
});

describe('the archive store', () => {
  it('creates its schema once when nodes start together on an empty database, then finds it present', async () => {
    const a = await freshArchive('fresh_one');
    const b = new PgLinkArchive(postgres.url('fresh_one'));
    archives.push(b);
    const outcomes = await Promise.all([a.ensureSchema(), b.ensureSchema(), a.ensureSchema()]);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(await b.ensureSchema()).toBe('present');
    const { rows } = await a.pool.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgname LIKE '%append_only' ORDER BY tgname`);
    expect(rows.map((x) => x.tgname)).toEqual(['checkpoints_append_only', 'entries_append_only', 'segments_append_only']);
  });

  it('npm run archive:setup creates the schema and a role that may only SELECT and INSERT', async () => {
    const admin = await postgres.client();
    await admin.query('CREATE DATABASE setup_db');
    const setup = ['--import', 'tsx', path.join(ROOT, 'scripts/archive-setup.ts'), '--admin-url', postgres.url('setup_db'), '--role', 'svc_role', '--password', 'pw'];
    const first = await run(process.execPath, setup, { cwd: ROOT });
    expect(first.stdout).toMatch(/role svc_role created with SELECT and INSERT only/);
    expect((await run(process.execPath, setup, { cwd: ROOT })).stdout).toMatch(/role svc_role updated/);
    const svc = new pg.Client({ connectionString: postgres.url('setup_db', 'svc_role', 'pw') });
    await svc.connect();
    try {
      await svc.query(`INSERT INTO ${ARCHIVE_SCHEMA}.entries (link_id, seq, hash, ts, entry) VALUES ('l1', 1, $1, 1, '{}')`, ['a'.repeat(64)]);
      expect((await svc.query(`SELECT seq FROM ${ARCHIVE_SCHEMA}.entries`)).rowCount).toBe(1);
      await expect(svc.query(`UPDATE ${ARCHIVE_SCHEMA}.entries SET ts = 2`)).rejects.toMatchObject({ code: '42501' });
      await expect(svc.query(`DELETE FROM ${ARCHIVE_SCHEMA}.entries`)).rejects.toMatchObject({ code: '42501' });
      await expect(svc.query(`DROP TABLE ${ARCHIVE_SCHEMA}.entries`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await svc.end();
    }
    const bad = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/archive-setup.ts'), '--role', 'x'], { cwd: ROOT }).catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--admin-url \(or ARCHIVE_ADMIN_URL\) is required/) });
  });

  it('reads across the boundary, and goes round again when a trim lands between its reads', async () => {
    const archive = await freshArchive('reads');
    await archive.ensureSchema();
    const hotLog = new RedisLinkLog(r, keys);
    const hot = new RedisHotLog(r, keys);
    await fill(hotLog, 'l1', 100);
    const rows = await hot.rows('l1', 0, 100, 100);
    const all = rows.map((row) => JSON.parse(row.json) as Entry);
    const asArchived = (from: number, to: number) =>
      rows.filter((row) => row.seq >= from && row.seq <= to).map((row) => ({ seq: row.seq, hash: all[row.seq - 1]!.hash, ts: all[row.seq - 1]!.ts, json: row.json }));
    await archive.insert('l1', asArchived(1, 80));
    await hot.trim('l1', 40, 1000);

    // An archive whose first read is followed, before the log reads Redis again, by a trim up to 80.
    let trimmedMidway = false;
    const racing: LinkArchive = Object.create(archive) as LinkArchive;
    racing.range = async (linkId, after, limit) => {
      const got = await archive.range(linkId, after, limit);
      if (!trimmedMidway) {
        trimmedMidway = true;
        await hot.trim('l1', 80, 1000);
      }
      return got;
    };
    const log = new ArchivedLinkLog(hotLog, racing);
    const read = await log.range('l1', 0, 1000);
    expect(trimmedMidway).toBe(true);
    expect(await hot.first('l1')).toMatchObject({ seq: 81 });
    expect(JSON.stringify(read)).toBe(JSON.stringify(all));
    // Pages that start and end on either side.
    expect((await log.range('l1', 75, 10)).map((e) => e.seq)).toEqual([76, 77, 78, 79, 80, 81, 82, 83, 84, 85]);
    expect((await log.range('l1', 0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await log.stored('l1', 7))?.hash).toBe(all[6]!.hash);
    expect((await log.get('l1', 90))?.hash).toBe(all[89]!.hash);
    expect(await log.get('l1', 101)).toBeNull();
  });

  it('refuses to archive a log altered in Redis: nothing marked, nothing trimmed', async () => {
    const archive = await freshArchive('tampered');
    await archive.ensureSchema();
    const k = new Keys('tampered');
    const hotLog = new RedisLinkLog(r, k);
    const hot = new RedisHotLog(r, k);
    const cpStore = new RedisCheckpointStore(r, k);
    const { file } = await makeTopology();
    const topo = new TopologyIndex(loadTopology(file));
    const key = await loadServerKey(cpStore, undefined);
    const checkpoints = new CheckpointService({ store: cpStore, log: hotLog, topo, broadcaster: noBroadcast, logger: silent, privateKey: key.privateKey, serverKey: key.info, nodeId: 't' });
    await fill(hotLog, 'l2', 50);
    await checkpoints.checkpointAll();
    await fill(hotLog, 'l2', 10);
    // Someone with access to Redis rewrites entry 20's text in place.
    // (A stream takes no id below its top: rewrite the whole stream, as such an edit would.)
    const stream = await r.xrange(k.log('l2'), '-', '+');
    const rewrite = r.multi().del(k.log('l2'));
    for (const [id, fields] of stream) {
      const entry = JSON.parse(fields[1]!) as Entry & { payload: { text: string } };
      if (entry.seq === 20) entry.payload.text = 'rewritten';
      rewrite.xadd(k.log('l2'), id, 'e', entry.seq === 20 ? JSON.stringify(entry) : fields[1]!);
    }
    await rewrite.exec();
    expect(await r.xlen(k.log('l2'))).toBe(60);

    const mover = new ArchiveService({
      archive,
      hot,
      log: hotLog,
      checkpoints: cpStore,
      topo,
      logger: silent,
      serverKey: key.info,
      policy: { afterMs: 0, hotEntries: 5, chunk: 16, maxSegment: 1000 },
      nodeId: 't',
    });
    await expect(mover.moveLink('l2')).rejects.toThrow(ArchiveError);
    await expect(mover.moveLink('l2')).rejects.toThrow(/breaks at seq 20 \(hash does not match the content\)/);
    const { rows } = await archive.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${ARCHIVE_SCHEMA}.segments`);
    expect(Number(rows[0]!.n)).toBe(0);
    expect(await r.xlen(k.log('l2'))).toBe(60);
    // The tick logs and counts it, and carries on with the other links.
    await mover.tick();
    expect(mover.failures).toBe(1);
  });
});
