import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_LOG_ID, type Entry } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/client.js';
import { adminSession, api } from '../helpers/admin.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { tokenFor, type TestClient } from '../helpers/clients.js';
import { readLog } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Live administration on three real nodes and one Redis with AOF: the configuration is seeded from the
 * topology file, then changed through the admin API with no restart; every change is an entry of the
 * administration log, which exports and verifies.
 */
const run = promisify(execFile);
let cluster: TestCluster;
const clients: TestClient[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-admin-'));
const NEW_PASSWORD = 'new-operator-pass';
const url = (i: number) => cluster.nodes[i]!.url;

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, aof: true, env: { HOTLINE_CHECKPOINT_INTERVAL: '1h' } });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

async function loginClient(nodeUrl: string, username: string, password: string): Promise<TestClient> {
  const session = await HotlineClient.login(nodeUrl, username, password);
  const client = new HotlineClient({
    url: nodeUrl,
    token: session.token,
    user: session.user,
    ackTimeoutMs: 10_000,
    healthCheckMs: 0,
    socket: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 },
  }) as TestClient;
  client.entries = [];
  client.on('entry', (e) => client.entries.push(e));
  await client.connect();
  clients.push(client);
  return client;
}

describe('live configuration', () => {
  it('seeds from the file once, then adds posts, a link and their operators who talk at once, with no restart', async () => {
    const admin = await adminSession(url(0));
    try {
      let version = await admin.version();
      expect(version).toBe(1); // seeded once, though three nodes started on the empty Redis
      expect((await readLog(cluster.redis.client(), ADMIN_LOG_ID)).map((e) => e.type)).toEqual(['config.changed']);

      const post = (id: string, side: 'a' | 'b') => ({ side, sector: `s${side}1`, name: `Post ${id}`, location: { lat: 34, lon: 70.9 } });
      let r = await admin.change('PUT', 'posts', 'a4', version, post('a4', 'a'), { on: url(0) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      version = r.body.version;
      r = await admin.change('PUT', 'posts', 'b4', version, post('b4', 'b'), { on: url(1) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      version = r.body.version;
      r = await admin.change('PUT', 'links', 'l5', version, { name: 'Link 5', posts: ['a4', 'b4'] }, { on: url(2) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      version = r.body.version;
      for (const [id, postId] of [['op-a4', 'a4'], ['op-b4', 'b4']] as const) {
        r = await admin.change('PUT', 'users', id, version, { name: `Operator ${postId}`, role: 'operator', post: postId, password: NEW_PASSWORD });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        version = r.body.version;
      }
      expect(version).toBe(6);
      // Every node has it within a second (pub/sub), without a restart.
      for (let i = 0; i < 3; i++) await waitFor(async () => (await admin.version(url(i))) === 6, { timeout: 1000 });
      // The password is never shown.
      const view = await api(url(1), admin.token, 'GET', '/api/admin/config');
      expect(JSON.stringify(view.body)).not.toContain('passwordHash');
      expect(JSON.stringify(view.body)).not.toContain(NEW_PASSWORD);

      const a = await loginClient(url(1), 'op-a4', NEW_PASSWORD);
      const b = await loginClient(url(2), 'op-b4', NEW_PASSWORD);
      const sent = await a.send('l5', 'first words on a new link');
      await waitFor(() => b.entries.some((e) => e.type === 'message' && e.seq === sent.entry.seq));
      const back = await b.send('l5', 'heard you');
      await waitFor(() => a.entries.some((e) => e.type === 'message' && e.seq === back.entry.seq));
    } finally {
      admin.close();
    }
  });

  it('applies a policy change to the next alert', async () => {
    const admin = await adminSession(url(2));
    try {
      const a = clients[0]!;
      const first = await a.raiseAlert({ linkId: 'l5', kind: 'small-arms-fire', severity: 2, description: 'before the change' });
      expect(first.alert.policyId).toBe('fast');
      const version = await admin.version();
      const r = await admin.change('PUT', 'policySelection', null, version, { default: 'fast', bySeverity: { '4': 'urgent' }, byLink: { l5: 'slow' }, drill: 'drill' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      // The operator is on node 1, the change was made on node 2.
      await waitFor(async () => (await admin.version(url(1))) === r.body.version, { timeout: 1000 });
      const second = await a.raiseAlert({ linkId: 'l5', kind: 'small-arms-fire', severity: 2, description: 'after the change' });
      expect(second.alert.policyId).toBe('slow');
    } finally {
      admin.close();
    }
  });

  it('lets one of two admins editing at once win; the other gets CONFLICT; a malformed change names the field and applies nothing', async () => {
    const admin = await adminSession(url(0));
    const added = await admin.change('PUT', 'users', 'admin2', await admin.version(), { name: 'Second admin', role: 'admin', password: 'second-admin-pass' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const other = await adminSession(url(1), 'admin2', 'second-admin-pass');
    try {
      const version = added.body.version as number;
      await waitFor(async () => (await other.version()) === version, { timeout: 1000 });
      // Both edit the same version at once, on two nodes.
      const [one, two] = await Promise.all([
        admin.change('PUT', 'phrases', 'hold-position', version, { text: { en: 'Hold your position.', ur: 'اپنی جگہ پر رہیں۔', ps: 'خپل ځای ونیسئ.' } }, { on: url(0) }),
        other.change('PUT', 'phrases', 'all-clear', version, { text: { en: 'All clear.', ur: 'سب ٹھیک ہے۔', ps: 'هر څه سم دي.' } }, { on: url(1) }),
      ]);
      const statuses = [one.status, two.status].sort();
      expect(statuses, JSON.stringify([one.body, two.body])).toEqual([200, 409]);
      const loser = one.status === 409 ? one : two;
      expect(loser.body.error.code).toBe('CONFLICT');
      expect(loser.body.error.details.version).toBe(version + 1);
      const phrases = (await api(url(2), admin.token, 'GET', '/api/admin/config')).body.config.phrases.map((p: { id: string }) => p.id);
      expect(phrases.filter((id: string) => id === 'hold-position' || id === 'all-clear')).toHaveLength(1);

      // A link joining two posts of one side: refused, naming the field; nothing applied anywhere.
      const before = await admin.version();
      const bad = await admin.change('PUT', 'links', 'l6', before, { name: 'Link 6', posts: ['a4', 'a1'] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      expect(bad.body.error.details.fields).toContainEqual({ field: 'links[5].posts', message: 'a link must join posts of different sides' });
      const badType = await admin.change('PUT', 'escalationPolicies', 'fast', before, { name: 'fast', levels: [{ delay: 'soon', targets: ['joint-command'] }] });
      expect(badType.status).toBe(400);
      expect(badType.body.error.details.fields.map((f: { field: string }) => f.field)).toContain('escalationPolicies[0].levels[0].delay');
      const stale = await admin.change('PUT', 'links', 'l6', before - 1, { name: 'Link 6', posts: ['a2', 'b1'] });
      expect(stale.status).toBe(409);
      for (let i = 0; i < 3; i++) expect(await admin.version(url(i))).toBe(before);
      const links = (await api(url(1), admin.token, 'GET', '/api/admin/config')).body.config.links.map((l: { id: string }) => l.id);
      expect(links).not.toContain('l6');
      // Not an admin: refused.
      const op = await api(url(0), tokenFor('op-a1', 'operator'), 'PUT', '/api/admin/config/links/l6', { version: before, value: { name: 'x', posts: ['a2', 'b1'] } });
      expect(op.status).toBe(403);
    } finally {
      other.close();
      admin.close();
    }
  });

  it('keeps every change through a Redis restart (AOF) and a restart of every node', async () => {
    const admin = await adminSession(url(1));
    const version = await admin.version();
    admin.close();
    for (const c of clients.splice(0)) c.close();
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    await cluster.redis.kill();
    await cluster.redis.start();
    await Promise.all(cluster.nodes.map((n) => n.start()));
    const again = await adminSession(url(2));
    try {
      expect(await again.version()).toBe(version);
      const a = await loginClient(url(0), 'op-a4', NEW_PASSWORD);
      const b = await loginClient(url(1), 'op-b4', NEW_PASSWORD);
      const sent = await a.send('l5', 'after the restart');
      await waitFor(() => b.entries.some((e) => e.type === 'message' && e.seq === sent.entry.seq));
    } finally {
      again.close();
    }
  });
});

describe('export and import', () => {
  it('exports the live configuration and imports an edited file as one change; a bad file changes nothing', async () => {
    const env = { ...process.env, REDIS_URL: cluster.redis.url, LOG_LEVEL: 'warn' };
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/config.ts'), ...args], { cwd: ROOT, env });
    const file = path.join(dir, 'config.json');
    await cli('export', '--out', file);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { links: { id: string; name: string }[]; users: { id: string; passwordHash: string }[] };
    expect(exported.users.find((u) => u.id === 'op-a4')!.passwordHash).toMatch(/^scrypt\$/);
    const admin = await adminSession(url(0));
    try {
      const before = await admin.version();
      exported.links.find((l) => l.id === 'l5')!.name = 'Link 5 (renamed by import)';
      writeFileSync(file, JSON.stringify(exported));
      const ok = await cli('import', file, '--expect-version', String(before));
      expect(ok.stdout).toContain(`configuration version ${before + 1}`);
      for (let i = 0; i < 3; i++) await waitFor(async () => (await admin.version(url(i))) === before + 1, { timeout: 1000 });
      const links = (await api(url(2), admin.token, 'GET', '/api/admin/config')).body.config.links as { id: string; name: string }[];
      expect(links.find((l) => l.id === 'l5')!.name).toBe('Link 5 (renamed by import)');

      // A file with a bad field: refused, naming it; nothing applied.
      (exported as unknown as { sectors: { side: string }[] }).sectors[0]!.side = 'nowhere';
      writeFileSync(file, JSON.stringify(exported));
      const bad = await cli('import', file).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(bad?.code).toBe(1);
      expect(bad?.stderr).toContain('sectors[0].side: unknown side "nowhere"');
      const stale = await cli('import', file, '--expect-version', String(before)).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(stale?.stderr).toContain('CONFLICT');
      expect(await admin.version()).toBe(before + 1);
    } finally {
      admin.close();
    }
  });
});

describe('the administration log', () => {
  it('records every change, exports and verifies; an edited entry is caught', async () => {
    const admin = await adminSession(url(0));
    try {
      const made = await api(url(0), admin.token, 'POST', '/api/checkpoints');
      expect(made.body.made).toBeGreaterThan(0);
      const exported = await api(url(1), tokenFor('monitor', 'monitor'), 'GET', '/api/admin/log/export');
      expect(exported.status).toBe(200);
      const text = exported.body as string;
      const entries = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; entry?: Entry })
        .filter((l) => l.kind === 'entry')
        .map((l) => l.entry!);
      const changes = entries.filter((e) => e.type === 'config.changed');
      expect(changes.map((e) => (e.payload as { version: number }).version)).toEqual(changes.map((_, i) => i + 1));
      // Seeded by the server; every later change signed by the admin who made it.
      expect(changes[0]!.actor.role).toBe('system');
      expect(changes[0]!.payload).toMatchObject({ op: 'seed' });
      const byAdmins = changes.filter((e) => e.actor.role !== 'system');
      expect(byAdmins.length).toBeGreaterThanOrEqual(8);
      expect(byAdmins.every((e) => e.actor.role === 'admin' && e.sig !== undefined)).toBe(true);
      expect(changes.filter((e) => e.actor.role === 'system').map((e) => (e.payload as { op: string }).op)).toEqual(['seed', 'import']);
      expect(text).not.toContain('passwordHash');
      expect(text).not.toContain(NEW_PASSWORD);
      const file = path.join(dir, 'admin-log.ndjson');
      writeFileSync(file, text);
      const ok = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), file, '--require-signatures', '--json'], { cwd: ROOT });
      const report = JSON.parse(ok.stdout) as { ok: boolean; counts: { signed: number; checkpoints: number; serverEntries: number } };
      expect(report.ok).toBe(true);
      expect(report.counts.signed).toBeGreaterThanOrEqual(8);
      expect(report.counts.checkpoints).toBe(1);

      // Someone edits the link added by the first change to l5: the verifier names the entry.
      const target = changes.find((e) => (e.payload as { itemId: string | null }).itemId === 'l5')!;
      const edited = text.replace(JSON.stringify(target), JSON.stringify({ ...target, payload: { ...target.payload, value: { name: 'Link 5', posts: ['a4', 'b1'] } } }));
      expect(edited).not.toBe(text);
      const badFile = path.join(dir, 'admin-log-edited.ndjson');
      writeFileSync(badFile, edited);
      const bad = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/verify.ts'), badFile], { cwd: ROOT }).then(
        () => null,
        (err: { code: number; stdout: string }) => err,
      );
      expect(bad?.code).toBe(1);
      expect(bad?.stdout).toContain(`first bad: seq ${target.seq}`);
    } finally {
      admin.close();
    }
  });
});
