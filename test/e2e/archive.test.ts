import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { verifyExport, type Entry, type VerifyReport } from '@hotline/shared';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { ARCHIVE_SCHEMA, archiveGrantSql, archiveSchemaSql } from '../../server/src/store/archive.js';
import { RedisLinkLog } from '../../server/src/store/link-log.js';
import { MOVE_STEPS, type MoveResult } from '../../server/src/service/archive-service.js';
import { connectClient, emitAck, rawSocket, tokenFor, type TestClient } from '../helpers/clients.js';
import { keys, readLog } from '../helpers/log.js';
import { startPostgres, type PostgresProcess } from '../helpers/postgres.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server.js';
import { makeTopology } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-archive-'));
const HOT = 500;
const CHUNK = 400;

let redis: RedisProcess;
let postgres: PostgresProcess;
let r: Redis;
let admin: pg.Client;
let topologyFile: string;
let serviceUrl: string;
const nodes: ServerProcess[] = [];
const clients: TestClient[] = [];
/** Appends like the server does (same store, same Redis keys), to build long logs quickly. */
let seeder: RedisLinkLog;

const ENV = () => ({
  ARCHIVE_DATABASE_URL: serviceUrl,
  ARCHIVE_HOT_ENTRIES: String(HOT),
  ARCHIVE_CHUNK: String(CHUNK),
  // The tests run the mover through POST /api/archive, one round at a time.
  ARCHIVE_INTERVAL: '1h',
  HOTLINE_CHECKPOINT_INTERVAL: '1h',
  HOTLINE_SIGNATURES: 'optional',
});

async function addNode(env: Record<string, string> = {}): Promise<ServerProcess> {
  const node = await startServer({ redisUrl: redis.url, topology: topologyFile, env: { ...ENV(), ...env } });
  nodes.push(node);
  return node;
}

async function post(node: ServerProcess, route: string): Promise<Response> {
  return fetch(`${node.url}/api/${route}`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor('admin', 'admin')}` } });
}

async function checkpointNow(node: ServerProcess): Promise<void> {
  const res = await post(node, 'checkpoints');
  expect(res.status).toBe(200);
}

async function archiveNow(node: ServerProcess): Promise<MoveResult[]> {
  const res = await post(node, 'archive');
  if (!res.ok) throw new Error(`archive failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { results: MoveResult[] }).results;
}

/** Appends `n` routine messages to a link, with a signed checkpoint after every `every` entries. */
async function seed(linkId: string, n: number, node: ServerProcess, every = HOT): Promise<void> {
  for (let i = 0; i < n; i++) {
    const outcome = await seeder.append(linkId, [], () => ({
      write: true,
      draft: {
        linkId,
        type: 'message',
        actor: { userId: 'op-a1', role: 'operator', postId: 'a1' },
        drill: false,
        payload: { clientMsgId: randomUUID(), text: `seeded ${i} — سلام`, precedence: 'routine' },
      },
      result: (e) => e,
    }));
    if (outcome.kind === 'appended' && outcome.entry.seq % every === 0) await checkpointNow(node);
  }
}

/** Every entry of a link through the `sync` event, from cursor 0, page after page. */
async function syncAll(node: ServerProcess, linkId: string, limit = 1000): Promise<Entry[]> {
  const socket = rawSocket(node.url, tokenFor('monitor', 'monitor'));
  try {
    await waitFor(() => socket.connected, { message: 'monitor socket did not connect' });
    const out: Entry[] = [];
    for (let cursor = 0; ; ) {
      const ack = await emitAck(socket, 'sync', { cursors: { [linkId]: cursor }, limit });
      expect(ack.ok).toBe(true);
      const page = ack.entries as Entry[];
      out.push(...page);
      if (page.length > 0) cursor = page[page.length - 1]!.seq;
      if (!ack.hasMore) return out;
    }
  } finally {
    socket.close();
  }
}

async function exportText(node: ServerProcess, linkId: string, query = ''): Promise<string> {
  const res = await fetch(`${node.url}/api/links/${linkId}/export${query}`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } });
  if (!res.ok) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  return res.text();
}

async function verifyText(text: string): Promise<VerifyReport> {
  return verifyExport(text.split('\n'), nodeVerifyCrypto());
}

async function archivedRows(linkId: string): Promise<{ count: number; distinct: number; min: number; max: number }> {
  const { rows } = await admin.query<{ count: string; distinct: string; min: string | null; max: string | null }>(
    `SELECT count(*) AS count, count(DISTINCT seq) AS distinct, min(seq) AS min, max(seq) AS max FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = $1`,
    [linkId],
  );
  const row = rows[0]!;
  return { count: Number(row.count), distinct: Number(row.distinct), min: Number(row.min ?? 0), max: Number(row.max ?? 0) };
}

async function segments(linkId: string): Promise<{ from_seq: string; to_seq: string; node_id: string }[]> {
  return (await admin.query(`SELECT from_seq, to_seq, node_id FROM ${ARCHIVE_SCHEMA}.segments WHERE link_id = $1 ORDER BY to_seq`, [linkId])).rows;
}

const hotFirst = async (linkId: string) => Number((await r.xrange(keys.log(linkId), '-', '+', 'COUNT', 1))[0]?.[0].split('-')[0] ?? 0);

/** Entries must be exactly `expected`: every seq once, in order, byte-equal to what Redis held. */
function expectSame(got: Entry[], expected: Entry[]): void {
  expect(got.length).toBe(expected.length);
  got.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.hash).toBe(expected[i]!.hash);
  });
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  r = redis.client();
  seeder = new RedisLinkLog(r, keys);
  admin = await postgres.client();
  await admin.query('CREATE DATABASE hotline');
  await admin.query("CREATE ROLE hotline_svc LOGIN PASSWORD 'svc-password'");
  admin = await postgres.client('hotline');
  // What npm run archive:setup does: the owner creates the schema, the service role gets SELECT and INSERT.
  await admin.query(archiveSchemaSql());
  await admin.query(archiveGrantSql('hotline_svc'));
  serviceUrl = postgres.url('hotline', 'hotline_svc', 'svc-password');
  ({ file: topologyFile } = await makeTopology());
  await Promise.all([addNode(), addNode()]);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.allSettled(nodes.map((n) => n.kill()));
  await Promise.allSettled([redis?.stop(), postgres?.stop()]);
});

describe('the link-log archive', () => {
  let before: Entry[];

  it('a link with 10,000 entries and a small window: Redis keeps the window, sync and export read across', async () => {
    const [n0, n1] = nodes as [ServerProcess, ServerProcess];
    // Real signed traffic at both ends of the range: key registrations and signatures cross the boundary.
    const a = await connectClient(n0.url, 'op-a1');
    clients.push(a);
    for (let i = 0; i < 5; i++) await a.send('l1', `signed early ${i}`);
    const head0 = (await readLog(r, 'l1')).length;
    await seed('l1', 10_000 - head0 - 5, n0);
    for (let i = 0; i < 5; i++) await a.send('l1', `signed late ${i}`);
    await waitFor(async () => (await readLog(r, 'l1')).length >= 10_000);
    before = await readLog(r, 'l1');
    expect(before.length).toBe(10_000);
    // The last checkpoint at or below head - HOT = 9,500.
    await checkpointNow(n0);

    const results = await archiveNow(n1);
    const l1 = results.filter((x) => x.linkId === 'l1');
    expect(l1.reduce((s, x) => s + x.archived, 0)).toBe(9_500);
    expect(await r.xlen(keys.log('l1'))).toBe(HOT);
    expect(await hotFirst('l1')).toBe(9_501);
    expect(await archivedRows('l1')).toEqual({ count: 9_500, distinct: 9_500, min: 1, max: 9_500 });
    // The segment's checkpoints (one per 500 entries) went with it; the later ones stay in Redis.
    expect(await r.zcount(keys.checkpoints('l1'), '-inf', 9_500)).toBe(0);
    expect(await r.zcount(keys.checkpoints('l1'), 9_501, '+inf')).toBe(1);
    const archivedCps = await admin.query<{ seq: string }>(`SELECT seq FROM ${ARCHIVE_SCHEMA}.checkpoints WHERE link_id = 'l1' ORDER BY seq`);
    expect(archivedCps.rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 19 }, (_, i) => (i + 1) * 500));
    // A second round finds nothing cold.
    expect((await archiveNow(n0)).filter((x) => x.linkId === 'l1').every((x) => x.archived === 0)).toBe(true);

    // sync from 0, in pages that straddle the boundary (9,500 is not a multiple of 700).
    expectSame(await syncAll(n0, 'l1', 700), before);
    expectSame(await syncAll(n1, 'l1', 1000), before);

    // A client with no history (a console opened fresh) scrolls back through all of it.
    // (A monitor: it writes no receipts, so the log stays as it was for the comparisons below.)
    const m = await connectClient(n1.url, 'monitor');
    clients.push(m);
    await waitFor(() => m.cursor('l1') >= 10_000, { timeout: 60_000 });
    expect(JSON.stringify(m.entries.filter((e) => e.linkId === 'l1'))).toBe(JSON.stringify(before));

    // The export spans archive and Redis and verifies, with the library and with npm run verify.
    const text = await exportText(n0, 'l1');
    const file = path.join(dir, 'l1.ndjson');
    writeFileSync(file, text);
    const report = await verifyText(text);
    expect(report).toMatchObject({ ok: true, firstBad: null, linkId: 'l1' });
    expect(report.counts.entries).toBeGreaterThanOrEqual(10_000);
    expect(report.counts.signed).toBeGreaterThanOrEqual(10);
    // Every checkpoint of the range, archived ones included, reaches the export.
    expect(report.counts.checkpoints).toBe(20);
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--json'], { cwd: ROOT });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, firstBad: null });
    // A range wholly in the archive, and one across the boundary, each with its anchor.
    expect(await verifyText(await exportText(n1, 'l1', '?fromSeq=100&toSeq=200'))).toMatchObject({ ok: true, range: { fromSeq: 100, toSeq: 200 } });
    const across = await verifyText(await exportText(n1, 'l1', '?fromSeq=9400&toSeq=9600'));
    expect(across).toMatchObject({ ok: true, counts: { entries: 201 } });

    // Metrics: the archive's size and the oldest hot entry per link.
    const metrics = await (await fetch(`${n0.url}/metrics`)).text();
    expect(Number(/^hotline_archive_bytes\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(1_000_000);
    expect(metrics).toMatch(/^hotline_archive_entries\{[^}]*\} 9500$/m);
    expect(metrics).toMatch(/^hotline_hot_oldest_entry_seq\{[^}]*link="l1"[^}]*\} 9501$/m);
    expect(metrics).toMatch(/^hotline_hot_entries\{[^}]*link="l1"[^}]*\} 500$/m);
    expect(metrics).toMatch(/^hotline_hot_oldest_entry_age_seconds\{[^}]*link="l1"/m);
  }, 240_000);

  it('kill -9 of the node at each step of a move: a restart completes it once, nothing lost or doubled', async () => {
    const [n0] = nodes as [ServerProcess];
    const link = 'l2';
    // The nodes run with HOTLINE_SIGNATURES=optional and record that policy before the first user action
    // on a log; the seeded (unsigned) messages go in behind the server's back, so record it as it would.
    await seeder.append(link, [], () => ({
      write: true,
      draft: { linkId: link, type: 'signature.policy', actor: { userId: 'system', role: 'system', postId: null }, drill: false, payload: { signatures: 'optional' } },
      result: (e) => e,
    }));
    /** The archive's watermark before each move. */
    let done = 0;
    for (const step of MOVE_STEPS) {
      // A new cold segment (500 entries the first time, then 1,000): several copy and trim chunks each.
      // (The policy entry is seq 1: the first round seeds one message less, so heads stay round.)
      await seed(link, done === 0 ? 999 : 1_000, n0);
      const head = Number(await r.hget(keys.head(link), 'seq'));
      const target = head - HOT;
      const victim = await addNode({ HOTLINE_ARCHIVE_FAULT: step });
      await archiveNow(victim).then(
        () => undefined,
        () => undefined, // the node dies mid-request
      );
      await waitFor(() => !victim.running, { message: `node with fault ${step} did not die` });
      expect(victim.logs().some((l) => l.msg === 'fault injection: killing this node mid-move' && l.step === step)).toBe(true);

      // The node died where it was told to: what the archive and Redis hold shows the step.
      const rows = await archivedRows(link);
      const segs0 = await segments(link);
      const marked = Number(segs0[segs0.length - 1]?.to_seq ?? 0) === target;
      const first = await hotFirst(link);
      const state = { copied: rows.max === target, marked, trimmed: first === target + 1, partlyTrimmed: first > done + 1 && first <= target };
      const expected = {
        'before-copy': { copied: false, marked: false, trimmed: false },
        'during-copy': { copied: false, marked: false, trimmed: false },
        'after-copy': { copied: true, marked: false, trimmed: false },
        'after-compare': { copied: true, marked: false, trimmed: false },
        'after-mark': { copied: true, marked: true, trimmed: false },
        'during-trim': { copied: true, marked: true, trimmed: false, partlyTrimmed: true },
        'after-trim': { copied: true, marked: true, trimmed: true },
      }[step];
      expect(state, step).toMatchObject(expected);
      // Mid-copy: some of the segment's rows are in, not all.
      if (step === 'during-copy') expect(rows.max, step).toBeGreaterThan(done);

      // Nothing lost even now: every entry is in Redis or in the archive, readable through a surviving node.
      const midway = await syncAll(n0, link);
      expect(midway.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));

      // The restarted node (same configuration, no fault) completes the move.
      const restarted = await addNode();
      await archiveNow(restarted);
      expect(await archivedRows(link)).toEqual({ count: target, distinct: target, min: 1, max: target });
      expect(await r.xlen(keys.log(link))).toBe(HOT);
      expect(await hotFirst(link)).toBe(target + 1);
      const segs = await segments(link);
      expect(Number(segs[segs.length - 1]!.to_seq)).toBe(target);
      // Segments tile the log: each starts after the one before.
      segs.forEach((s, i) => expect(Number(s.from_seq)).toBe(i === 0 ? 1 : Number(segs[i - 1]!.to_seq) + 1));
      const all = await syncAll(restarted, link);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
      await restarted.kill();
      done = target;
    }
    const report = await verifyText(await exportText(n0, link));
    expect(report.firstBad, JSON.stringify(report.firstBad)).toBeNull();
    expect(report).toMatchObject({ ok: true, counts: { entries: MOVE_STEPS.length * 1_000 } });
  }, 600_000);

  it('two nodes archiving at once: each segment is moved once', async () => {
    const [n0, n1] = nodes as [ServerProcess, ServerProcess];
    await seed('l3', 3_000, n0);
    await seed('l4', 2_000, n0);
    const [ra, rb] = await Promise.all([archiveNow(n0), archiveNow(n1)]);
    const moved = (linkId: string) => [...ra, ...rb].filter((x) => x.linkId === linkId).reduce((s, x) => s + x.archived, 0);
    expect(moved('l3')).toBe(2_500);
    expect(moved('l4')).toBe(1_500);
    expect(await archivedRows('l3')).toEqual({ count: 2_500, distinct: 2_500, min: 1, max: 2_500 });
    expect(await archivedRows('l4')).toEqual({ count: 1_500, distinct: 1_500, min: 1, max: 1_500 });
    // One mover per link: every segment of these links recorded once, by one node.
    for (const linkId of ['l3', 'l4']) {
      const segs = await segments(linkId);
      expect(new Set(segs.map((s) => s.to_seq)).size).toBe(segs.length);
      expect(Number(segs[segs.length - 1]!.to_seq)).toBe(linkId === 'l3' ? 2_500 : 1_500);
    }
    expect(await r.xlen(keys.log('l3'))).toBe(HOT);
    expect(await r.xlen(keys.log('l4'))).toBe(HOT);
  }, 120_000);

  it('backup and restore: pg_dump, pg_restore into a new database, the record verifies from it', async () => {
    // In the server's folder: pg_dump runs as the server's user (initdb cannot run as root).
    const dump = path.join(postgres.dir, 'archive.dump');
    postgres.run('pg_dump', ['-h', '127.0.0.1', '-p', String(postgres.port), '-U', 'postgres', '-Fc', '-f', dump, 'hotline']);
    await admin.query('CREATE DATABASE restored');
    postgres.run('pg_restore', ['-h', '127.0.0.1', '-p', String(postgres.port), '-U', 'postgres', '-d', 'restored', '--exit-on-error', dump]);
    const restored = await postgres.client('restored');
    const { rows } = await restored.query<{ n: string }>(`SELECT count(*) AS n FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = 'l1'`);
    expect(Number(rows[0]!.n)).toBe(9_500);
    // The restored archive still refuses changes (the triggers came with it).
    await expect(restored.query(`DELETE FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = 'l1' AND seq = 1`)).rejects.toThrow(/append-only/);
    // A node reading the restored database serves the same record.
    const reader = await addNode({ ARCHIVE_DATABASE_URL: postgres.url('restored', 'hotline_svc', 'svc-password') });
    expectSame(await syncAll(reader, 'l1'), before);
    const report = await verifyText(await exportText(reader, 'l1'));
    expect(report).toMatchObject({ ok: true, firstBad: null });
    await reader.kill();
  }, 120_000);

  it('the archive refuses UPDATE and DELETE; a row edited by a superuser is caught by verify', async () => {
    const svc = await (async () => {
      const { default: pgModule } = await import('pg');
      const c = new pgModule.Client({ connectionString: serviceUrl });
      await c.connect();
      return c;
    })();
    try {
      // The service's role: no UPDATE, DELETE or TRUNCATE privilege at all.
      await expect(svc.query(`UPDATE ${ARCHIVE_SCHEMA}.entries SET entry = entry WHERE link_id = 'l1' AND seq = 5`)).rejects.toMatchObject({ code: '42501' });
      await expect(svc.query(`DELETE FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = 'l1' AND seq = 5`)).rejects.toMatchObject({ code: '42501' });
      await expect(svc.query(`DELETE FROM ${ARCHIVE_SCHEMA}.segments WHERE link_id = 'l1'`)).rejects.toMatchObject({ code: '42501' });
      // Even the owner: the triggers refuse.
      await expect(admin.query(`UPDATE ${ARCHIVE_SCHEMA}.entries SET ts = ts + 1 WHERE link_id = 'l1' AND seq = 5`)).rejects.toThrow(/append-only: UPDATE/);
      await expect(admin.query(`DELETE FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = 'l1' AND seq = 5`)).rejects.toThrow(/append-only: DELETE/);
      await expect(admin.query(`TRUNCATE ${ARCHIVE_SCHEMA}.entries`)).rejects.toThrow(/append-only: TRUNCATE/);
      await expect(admin.query(`UPDATE ${ARCHIVE_SCHEMA}.segments SET to_seq = 1 WHERE link_id = 'l1'`)).rejects.toThrow(/append-only: UPDATE/);
      await expect(admin.query(`DELETE FROM ${ARCHIVE_SCHEMA}.checkpoints WHERE link_id = 'l1'`)).rejects.toThrow(/append-only: DELETE/);
      await expect(svc.query(`UPDATE ${ARCHIVE_SCHEMA}.checkpoints SET seq = 1 WHERE link_id = 'l1'`)).rejects.toMatchObject({ code: '42501' });
      expect((await archivedRows('l1')).count).toBe(9_500);
    } finally {
      await svc.end();
    }

    // A superuser goes around the triggers and rewrites one archived message.
    const seq = 4_321;
    const original = before[seq - 1]!;
    expect(original.type).toBe('message');
    const forged = JSON.stringify({ ...original, payload: { ...(original.payload as object), text: 'nothing happened' } });
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    const updated = await admin.query(`UPDATE ${ARCHIVE_SCHEMA}.entries SET entry = $1 WHERE link_id = 'l1' AND seq = $2`, [forged, seq]);
    await admin.query('COMMIT');
    expect(updated.rowCount).toBe(1);

    // Served as stored (the evidence is kept), and named by the verifier.
    const synced = await syncAll(nodes[0]!, 'l1');
    expect((synced[seq - 1]!.payload as { text: string }).text).toBe('nothing happened');
    const report = await verifyText(await exportText(nodes[1]!, 'l1'));
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(seq);
    const file = path.join(dir, 'l1-forged.ndjson');
    writeFileSync(file, await exportText(nodes[0]!, 'l1'));
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--json'], { cwd: ROOT }).catch((err: { stdout: string }) => err);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, firstBad: { seq } });
  }, 120_000);
});
