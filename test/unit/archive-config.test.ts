import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { archiveGrantSql } from '../../server/src/store/archive.js';

describe('archive configuration', () => {
  it('is off unless a database is named, with a 30-day window and 10,000 hot entries per link', () => {
    const c = loadConfig({});
    expect(c.ARCHIVE_DATABASE_URL).toBeUndefined();
    expect(c.ARCHIVE_AFTER).toBe(30 * 86_400_000);
    expect(c.ARCHIVE_HOT_ENTRIES).toBe(10_000);
    expect(loadConfig({ ARCHIVE_DATABASE_URL: 'postgres://hotline:pw@db:5432/hotline', ARCHIVE_AFTER: '168h' }).ARCHIVE_AFTER).toBe(7 * 86_400_000);
  });

  it('names each bad archive variable, and refuses the fault hook in production', () => {
    expect(() => loadConfig({ ARCHIVE_DATABASE_URL: 'mysql://db/hotline' })).toThrow(/ARCHIVE_DATABASE_URL: a postgres:\/\/ URL/);
    expect(() => loadConfig({ ARCHIVE_AFTER: '30 days' })).toThrow(/ARCHIVE_AFTER/);
    expect(() => loadConfig({ ARCHIVE_HOT_ENTRIES: '-1' })).toThrow(/ARCHIVE_HOT_ENTRIES/);
    expect(() => loadConfig({ ARCHIVE_CHUNK: '0' })).toThrow(/ARCHIVE_CHUNK/);
    expect(() => loadConfig({ HOTLINE_ARCHIVE_FAULT: 'somewhere' })).toThrow(/HOTLINE_ARCHIVE_FAULT/);
    expect(loadConfig({ HOTLINE_ARCHIVE_FAULT: 'after-copy' }).HOTLINE_ARCHIVE_FAULT).toBe('after-copy');
    expect(() => loadConfig({ NODE_ENV: 'production', HOTLINE_TOKEN_SECRET: 'x'.repeat(40), HOTLINE_SERVER_KEY: 'pem', HOTLINE_ARCHIVE_FAULT: 'after-copy' })).toThrow(
      /HOTLINE_ARCHIVE_FAULT: a fault-injection hook, not for production/,
    );
  });

  it('grants the service role SELECT and INSERT only, and takes plain role names only', () => {
    const sql = archiveGrantSql('hotline');
    expect(sql).toMatch(/GRANT SELECT, INSERT ON hotline_archive\.entries, hotline_archive\.segments, hotline_archive\.checkpoints TO hotline;/);
    expect(sql).not.toMatch(/UPDATE|DELETE|TRUNCATE/);
    expect(() => archiveGrantSql('x; DROP TABLE y')).toThrow(/not a plain role name/);
  });
});
