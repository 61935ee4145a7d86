import { Gauge, type Registry } from 'prom-client';
import type { ArchiveService } from './service/archive-service.js';
import type { LinkArchive } from './store/archive.js';
import type { RedisHotLog } from './store/hot-log.js';
import type { LinkLog } from './store/link-log.js';

/**
 * Gauges of the hot store and the archive, collected at scrape time: per link the oldest entry still in
 * Redis (its age and seq) and how many entries Redis holds; with an archive, its size on disk, its
 * entries, and what this node's mover moved and failed.
 */
export function registerArchiveMetrics(
  registry: Registry,
  deps: { linkIds: readonly string[]; hot: RedisHotLog; log: LinkLog; archive?: LinkArchive | undefined; archiver?: ArchiveService | undefined; now?: () => number },
): void {
  const now = deps.now ?? Date.now;
  // The gauges of one scrape are collected concurrently: they share one read, reused for a second.
  let hotRead: { at: number; value: Promise<Map<string, { seq: number; ts: number; count: number }>> } | undefined;
  const readHot = () => {
    if (hotRead && now() - hotRead.at < 1000) return hotRead.value;
    const value = (async () => {
      const out = new Map<string, { seq: number; ts: number; count: number }>();
      const heads = await deps.log.heads(deps.linkIds);
      for (const id of deps.linkIds) {
        const first = await deps.hot.first(id);
        const ts = first ? (JSON.parse(first.json) as { ts: number }).ts : now();
        out.set(id, { seq: first?.seq ?? 0, ts, count: first ? heads.get(id)!.seq - first.seq + 1 : 0 });
      }
      return out;
    })();
    hotRead = { at: now(), value };
    value.catch(() => (hotRead = undefined));
    return value;
  };
  new Gauge({
    name: 'hotline_hot_oldest_entry_age_seconds',
    help: 'Age of the oldest link-log entry still in Redis, per link (0 for an empty log)',
    labelNames: ['link'],
    registers: [registry],
    async collect() {
      for (const [id, o] of await readHot()) this.set({ link: id }, Math.max(0, (now() - o.ts) / 1000));
    },
  });
  new Gauge({
    name: 'hotline_hot_oldest_entry_seq',
    help: 'Seq of the oldest link-log entry still in Redis, per link (entries below it are archived)',
    labelNames: ['link'],
    registers: [registry],
    async collect() {
      for (const [id, o] of await readHot()) this.set({ link: id }, o.seq);
    },
  });
  new Gauge({
    name: 'hotline_hot_entries',
    help: 'Link-log entries held in Redis, per link',
    labelNames: ['link'],
    registers: [registry],
    async collect() {
      for (const [id, o] of await readHot()) this.set({ link: id }, o.count);
    },
  });
  const archive = deps.archive;
  if (!archive) return;
  let statsRead: { at: number; value: Promise<{ bytes: number; entries: number }> } | undefined;
  const readStats = () => {
    if (statsRead && now() - statsRead.at < 1000) return statsRead.value;
    const value = archive.stats();
    statsRead = { at: now(), value };
    value.catch(() => (statsRead = undefined));
    return value;
  };
  new Gauge({
    name: 'hotline_archive_bytes',
    help: 'On-disk size of the link-log archive in PostgreSQL (tables and indexes)',
    registers: [registry],
    async collect() {
      this.set((await readStats()).bytes);
    },
  });
  new Gauge({
    name: 'hotline_archive_entries',
    help: 'Link-log entries in the archive',
    registers: [registry],
    async collect() {
      this.set((await readStats()).entries);
    },
  });
  const archiver = deps.archiver;
  if (!archiver) return;
  new Gauge({
    name: 'hotline_archive_moved_entries',
    help: 'Entries this node moved to the archive since it started',
    registers: [registry],
    collect() {
      this.set(archiver.moved);
    },
  });
  new Gauge({
    name: 'hotline_archive_failures',
    help: 'Segment moves that failed on this node since it started (nothing trimmed beyond what is archived)',
    registers: [registry],
    collect() {
      this.set(archiver.failures);
    },
  });
}
