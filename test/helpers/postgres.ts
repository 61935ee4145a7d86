import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** Where Debian's postgresql package puts the server binaries (initdb, postgres, pg_dump, pg_restore). */
export const PG_BIN = process.env.PG_BIN ?? ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(path.join(d, 'initdb'))) ?? '/usr/lib/postgresql/15/bin';

export interface PostgresProcess {
  readonly port: number;
  /** The server's folder (owned by the user it runs as): its data folder and socket are inside. */
  readonly dir: string;
  /** Connection URL of the superuser, for a database name (default "postgres"). */
  url(database?: string, user?: string, password?: string): string;
  /** A superuser client on a database (closed by stop()). */
  client(database?: string): Promise<pg.Client>;
  /** Runs a binary of PG_BIN (pg_dump, pg_restore) as the user that owns the server. */
  run(bin: string, args: string[]): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The uid/gid to run PostgreSQL as: initdb refuses root, so as root the server runs as the "postgres"
 * user of the package (or "nobody"); otherwise as ourselves.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root and found no unprivileged user to run PostgreSQL as');
}

/**
 * A private PostgreSQL on a free port with its own data folder (initdb in a temporary folder), listening
 * on 127.0.0.1 only; its Unix socket stays in that folder. Superuser "postgres", password auth off
 * (trust on the loopback), like the redis-server the tests start.
 */
export async function startPostgres(): Promise<PostgresProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-pg-'));
  const data = path.join(dir, 'data');
  const user = serverUser();
  chmodSync(dir, 0o700);
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const run = (bin: string, args: string[]) => execFileSync(path.join(PG_BIN, bin), args, { ...as, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);

  let child: ChildProcess | undefined;
  const clients: pg.Client[] = [];
  child = spawn(
    path.join(PG_BIN, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=40'],
    { ...as, stdio: 'ignore' },
  );
  const url = (database = 'postgres', name = 'postgres', password?: string) =>
    `postgres://${encodeURIComponent(name)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`;
  await waitFor(
    async () => {
      const probe = new pg.Client({ connectionString: url() });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.query('select 1');
        return true;
      } catch {
        return false;
      } finally {
        await probe.end().catch(() => undefined);
      }
    },
    { timeout: 30_000, message: `postgres on ${port} did not get ready` },
  );

  const waitExit = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((resolve) => c.once('exit', resolve));
  };
  const proc: PostgresProcess = {
    port,
    dir,
    url,
    async client(database = 'postgres') {
      const c = new pg.Client({ connectionString: url(database) });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    run,
    async kill() {
      child?.kill('SIGKILL');
      await waitExit();
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.end()));
      // SIGINT: "fast" shutdown, then the folder goes.
      child?.kill('SIGINT');
      await waitExit();
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return proc.stop();
    },
  };
  return proc;
}
