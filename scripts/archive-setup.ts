/**
 * Creates the link-log archive in PostgreSQL and the service's role, as the database owner:
 *   npm run -s archive:setup -- --admin-url postgres://owner@host/db --role hotline [--password secret]
 * The tables get the append-only triggers; the role may log in and only SELECT and INSERT on them.
 * The service then connects with ARCHIVE_DATABASE_URL=postgres://hotline:secret@host/db. Idempotent.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { archiveGrantSql, archiveSchemaSql } from '../server/src/store/archive.js';

function fail(message: string): never {
  process.stderr.write(`${message}\nusage: npm run -s archive:setup -- --admin-url <postgres://owner@host/db> --role <name> [--password <secret>]\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { 'admin-url': { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } } }));
} catch (err) {
  fail((err as Error).message);
}
const url = values['admin-url'] ?? process.env.ARCHIVE_ADMIN_URL;
if (!url) fail('--admin-url (or ARCHIVE_ADMIN_URL) is required');
const role = values.role;
if (!role) fail('--role is required');
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) fail(`--role: "${role}" is not a plain lower-case role name`);

const client = new pg.Client({ connectionString: url });
try {
  await client.connect();
  await client.query(archiveSchemaSql());
  const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount! > 0;
  if (!exists) await client.query(`CREATE ROLE ${role} LOGIN`);
  if (values.password !== undefined) await client.query(`ALTER ROLE ${role} PASSWORD ${client.escapeLiteral(values.password)}`);
  await client.query(archiveGrantSql(role));
  process.stdout.write(`archive schema ready; role ${role} ${exists ? 'updated' : 'created'} with SELECT and INSERT only\n`);
} catch (err) {
  process.stderr.write(`archive setup failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}
