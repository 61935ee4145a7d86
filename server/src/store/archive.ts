import pg from 'pg';

/** One archived entry: its place in the log, its hash and time, and its JSON exactly as Redis held it. */
export interface ArchivedRow {
  seq: number;
  hash: string;
  ts: number;
  /** The entry JSON, byte for byte as it was stored: the hash covers every member, in their order. */
  json: string;
}

/** A segment moved out of Redis: (fromSeq-1, toSeq] of a link, ending at a signed checkpoint. */
export interface ArchivedSegment {
  linkId: string;
  fromSeq: number;
  toSeq: number;
  /** Hash of the entry at toSeq (the checkpoint's hash). */
  lastHash: string;
  /** The signed checkpoint JSON the segment ends at. */
  checkpoint: string;
  nodeId: string;
}

export interface ArchiveStats {
  /** On-disk size of the archive's tables and indexes. */
  bytes: number;
  /** Entries in marked segments. */
  entries: number;
}

/**
 * The append-only archive of cold link-log segments. Guarantees: rows are only ever inserted (the
 * database refuses UPDATE, DELETE and TRUNCATE with a trigger, and the service role may only INSERT and
 * SELECT); inserting a row that exists changes nothing; a segment is marked only after its rows were
 * written, so `watermark` never claims a row that is not there.
 */
export interface LinkArchive {
  /** The last marked segment of a link (its toSeq is the archive's watermark), or null. */
  watermark(linkId: string): Promise<ArchivedSegment | null>;
  /** Inserts rows keyed by (link, seq); rows already present are left as they are. */
  insert(linkId: string, rows: readonly ArchivedRow[]): Promise<void>;
  /** Rows with seq in [fromSeq, toSeq], by seq. */
  rows(linkId: string, fromSeq: number, toSeq: number): Promise<ArchivedRow[]>;
  /** Entry JSON of rows with seq in (afterSeq, ...], by seq, at most `limit`. */
  range(linkId: string, afterSeq: number, limit: number): Promise<ArchivedRow[]>;
  /** The row at seq, or null. */
  row(linkId: string, seq: number): Promise<ArchivedRow | null>;
  /** Inserts signed checkpoints (JSON as stored) keyed by (link, seq); ones already present are left. */
  insertCheckpoints(linkId: string, checkpoints: readonly { seq: number; json: string }[]): Promise<void>;
  /** Checkpoint JSON of a link with seq in [fromSeq, toSeq], by seq. */
  checkpoints(linkId: string, fromSeq: number, toSeq: number): Promise<{ seq: number; json: string }[]>;
  /** Records a segment as archived (idempotent on (link, toSeq)). */
  mark(segment: ArchivedSegment): Promise<void>;
  /**
   * Takes the per-link mover lock (a PostgreSQL session advisory lock, held on its own connection, freed
   * by the database when that connection ends, so a killed node never keeps it). Null when another
   * holder has it.
   */
  lock(linkId: string): Promise<{ release(): Promise<void> } | null>;
  stats(): Promise<ArchiveStats>;
  close(): Promise<void>;
}

export const ARCHIVE_SCHEMA = 'hotline_archive';
/** First key of the advisory locks the movers take (the second is the link id's hashtext). */
const LOCK_NAMESPACE = 0x486c_4172; // "HlAr"

/**
 * The archive's tables, append-only trigger and indexes. Idempotent. Run by the database owner
 * (scripts/archive-setup.ts), or by the service itself on first start when it may create the schema.
 */
export function archiveSchemaSql(): string {
  const s = ARCHIVE_SCHEMA;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.entries (
  link_id     text        NOT NULL,
  seq         bigint      NOT NULL CHECK (seq > 0),
  hash        text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  ts          bigint      NOT NULL,
  entry       text        NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, seq)
);
CREATE TABLE IF NOT EXISTS ${s}.segments (
  link_id     text        NOT NULL,
  from_seq    bigint      NOT NULL CHECK (from_seq > 0),
  to_seq      bigint      NOT NULL CHECK (to_seq >= from_seq),
  last_hash   text        NOT NULL,
  checkpoint  text        NOT NULL,
  node_id     text        NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, to_seq)
);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  link_id     text        NOT NULL,
  seq         bigint      NOT NULL CHECK (seq > 0),
  checkpoint  text        NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, seq)
);
CREATE OR REPLACE FUNCTION ${s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the link-log archive is append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'entries_append_only') THEN
    CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON ${s}.entries FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON ${s}.entries FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER segments_append_only BEFORE UPDATE OR DELETE ON ${s}.segments FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER segments_no_truncate BEFORE TRUNCATE ON ${s}.segments FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'checkpoints_append_only') THEN
    CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON ${s}.checkpoints FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change();
    CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON ${s}.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_change();
  END IF;
END $$;
`;
}

/** Gives `role` what the service needs and nothing more: USAGE on the schema, SELECT and INSERT on its tables. */
export function archiveGrantSql(role: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`not a plain role name: ${role}`);
  const s = ARCHIVE_SCHEMA;
  return `
GRANT USAGE ON SCHEMA ${s} TO ${role};
REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${role};
GRANT SELECT, INSERT ON ${s}.entries, ${s}.segments, ${s}.checkpoints TO ${role};
`;
}

interface RowRecord {
  seq: string;
  hash: string;
  ts: string;
  entry: string;
}

function toRow(r: RowRecord): ArchivedRow {
  return { seq: Number(r.seq), hash: r.hash, ts: Number(r.ts), json: r.entry };
}

/** PostgreSQL implementation over a pool of the `pg` package. */
export class PgLinkArchive implements LinkArchive {
  readonly pool: pg.Pool;

  constructor(connectionString: string, options: { max?: number; onError?: (err: Error) => void } = {}) {
    this.pool = new pg.Pool({ connectionString, max: options.max ?? 4, application_name: 'hotline-archive' });
    // An idle client losing its connection must not crash the process: the next query gets a new one.
    this.pool.on('error', (err) => options.onError?.(err));
  }

  /**
   * Creates the schema when it is missing (a database the service owns); leaves an existing one alone.
   * Nodes starting together take turns (a transaction advisory lock), so only one creates it.
   */
  async ensureSchema(): Promise<'created' | 'present'> {
    const present = async (q: pg.Pool | pg.PoolClient) =>
      (
        await q.query<{ ok: boolean }>(
          `SELECT to_regclass('${ARCHIVE_SCHEMA}.entries') IS NOT NULL AND to_regclass('${ARCHIVE_SCHEMA}.segments') IS NOT NULL
              AND to_regclass('${ARCHIVE_SCHEMA}.checkpoints') IS NOT NULL AS ok`,
        )
      ).rows[0]?.ok === true;
    if (await present(this.pool)) return 'present';
    const client = await this.pool.connect();
    try {
      // A session lock, and each check its own statement: a check inside one transaction could read a
      // catalog snapshot from before another node's schema was committed.
      await client.query('SELECT pg_advisory_lock($1, 0)', [LOCK_NAMESPACE]);
      if (await present(client)) return 'present';
      await client.query(archiveSchemaSql());
      return 'created';
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, 0)', [LOCK_NAMESPACE]).catch(() => undefined);
      client.release();
    }
  }

  async watermark(linkId: string): Promise<ArchivedSegment | null> {
    const { rows } = await this.pool.query<{ from_seq: string; to_seq: string; last_hash: string; checkpoint: string; node_id: string }>(
      `SELECT from_seq, to_seq, last_hash, checkpoint, node_id FROM ${ARCHIVE_SCHEMA}.segments WHERE link_id = $1 ORDER BY to_seq DESC LIMIT 1`,
      [linkId],
    );
    const r = rows[0];
    return r ? { linkId, fromSeq: Number(r.from_seq), toSeq: Number(r.to_seq), lastHash: r.last_hash, checkpoint: r.checkpoint, nodeId: r.node_id } : null;
  }

  async insert(linkId: string, rows: readonly ArchivedRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement per chunk: unnest of parallel arrays, so a thousand rows is one round trip.
    await this.pool.query(
      `INSERT INTO ${ARCHIVE_SCHEMA}.entries (link_id, seq, hash, ts, entry)
       SELECT $1, s, h, t, e FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) AS u(s, h, t, e)
       ON CONFLICT (link_id, seq) DO NOTHING`,
      [linkId, rows.map((r) => r.seq), rows.map((r) => r.hash), rows.map((r) => r.ts), rows.map((r) => r.json)],
    );
  }

  async rows(linkId: string, fromSeq: number, toSeq: number): Promise<ArchivedRow[]> {
    const { rows } = await this.pool.query<RowRecord>(
      `SELECT seq, hash, ts, entry FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq`,
      [linkId, fromSeq, toSeq],
    );
    return rows.map(toRow);
  }

  async range(linkId: string, afterSeq: number, limit: number): Promise<ArchivedRow[]> {
    if (limit <= 0) return [];
    const { rows } = await this.pool.query<RowRecord>(
      `SELECT seq, hash, ts, entry FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [linkId, afterSeq, limit],
    );
    return rows.map(toRow);
  }

  async row(linkId: string, seq: number): Promise<ArchivedRow | null> {
    const { rows } = await this.pool.query<RowRecord>(`SELECT seq, hash, ts, entry FROM ${ARCHIVE_SCHEMA}.entries WHERE link_id = $1 AND seq = $2`, [linkId, seq]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async insertCheckpoints(linkId: string, checkpoints: readonly { seq: number; json: string }[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${ARCHIVE_SCHEMA}.checkpoints (link_id, seq, checkpoint)
       SELECT $1, s, c FROM unnest($2::bigint[], $3::text[]) AS u(s, c)
       ON CONFLICT (link_id, seq) DO NOTHING`,
      [linkId, checkpoints.map((c) => c.seq), checkpoints.map((c) => c.json)],
    );
  }

  async checkpoints(linkId: string, fromSeq: number, toSeq: number): Promise<{ seq: number; json: string }[]> {
    const { rows } = await this.pool.query<{ seq: string; checkpoint: string }>(
      `SELECT seq, checkpoint FROM ${ARCHIVE_SCHEMA}.checkpoints WHERE link_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq`,
      [linkId, fromSeq, toSeq],
    );
    return rows.map((r) => ({ seq: Number(r.seq), json: r.checkpoint }));
  }

  async mark(segment: ArchivedSegment): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${ARCHIVE_SCHEMA}.segments (link_id, from_seq, to_seq, last_hash, checkpoint, node_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (link_id, to_seq) DO NOTHING`,
      [segment.linkId, segment.fromSeq, segment.toSeq, segment.lastHash, segment.checkpoint, segment.nodeId],
    );
  }

  async lock(linkId: string): Promise<{ release(): Promise<void> } | null> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, linkId]);
      if (!rows[0]?.ok) {
        client.release();
        return null;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        try {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, linkId]);
          client.release();
        } catch (err) {
          // The connection is gone, and the lock with it: drop the client instead of reusing it.
          client.release(err as Error);
        }
      },
    };
  }

  async stats(): Promise<ArchiveStats> {
    const { rows } = await this.pool.query<{ bytes: string; entries: string }>(
      `SELECT pg_total_relation_size('${ARCHIVE_SCHEMA}.entries') + pg_total_relation_size('${ARCHIVE_SCHEMA}.segments')
                + pg_total_relation_size('${ARCHIVE_SCHEMA}.checkpoints') AS bytes,
              COALESCE((SELECT sum(to_seq - from_seq + 1) FROM ${ARCHIVE_SCHEMA}.segments), 0) AS entries`,
    );
    return { bytes: Number(rows[0]?.bytes ?? 0), entries: Number(rows[0]?.entries ?? 0) };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
