import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Cosignature, verifyExport, type TrustedKeysFile } from '@hotline/shared';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import type { TestCluster } from '../helpers/cluster.js';
import { keys, readLog } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { buildConsoleDir, launchBrowser, openConsole, startDisciplineCluster, type ConsolePage } from './harness.js';

/**
 * The console in Debian's Chromium cosigns the checkpoints of its link for its side, with the key it
 * made and registered through WebCrypto; an SDK client of the other side cosigns too; the export
 * verifies with both sides' trusted keys, the browser's key among the pinned cosigning keys.
 */

let built: Awaited<ReturnType<typeof buildConsoleDir>>;
let cluster: TestCluster;
let browser: Browser;
let page: ConsolePage | undefined;
const clients: TestClient[] = [];

beforeAll(async () => {
  built = await buildConsoleDir();
  cluster = await startDisciplineCluster(built.dir, 1);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await page?.context.close();
  await browser?.close();
  await cluster?.stop();
  built?.remove();
});

describe('the console cosigns', () => {
  it('countersigns each checkpoint it holds with its own key, and the export verifies with both sides’ pinned keys', async () => {
    const url = cluster.nodes[0]!.url;
    const admin = { authorization: `Bearer ${tokenFor('admin', 'admin')}` };
    page = await openConsole(browser, url, 'op-a1');
    const b = await connectClient(url, 'op-b1', { links: ['l1'] });
    clients.push(b);
    const sent = (await b.send('l1', 'checkpoint me')).entry;
    // The console holds the message (it shows it) before the server signs the head.
    await page.page.locator(`.msg[data-seq="${sent.seq}"]`).waitFor();
    await waitFor(async () => (await readLog(cluster.redis.client(), 'l1')).length >= sent.seq);
    const head = (await readLog(cluster.redis.client(), 'l1')).at(-1)!;
    const made = (await (await fetch(`${url}/api/checkpoints`, { method: 'POST', headers: admin })).json()) as { made: number };
    expect(made.made).toBeGreaterThan(0);

    // Both sides' cosignatures of the head land in the store: the browser's for side a.
    const redis = cluster.redis.client();
    const stored = await waitFor(async () => {
      const all = await redis.hgetall(keys.cosignatures('l1'));
      return all[`${head.seq}:a`] && all[`${head.seq}:b`] ? all : null;
    }, { message: 'both sides cosigned the head' });
    const fromBrowser = Cosignature.parse(JSON.parse(stored[`${head.seq}:a`]!));
    expect(fromBrowser).toMatchObject({ linkId: 'l1', seq: head.seq, hash: head.hash, side: 'a', userId: 'op-a1' });
    expect(fromBrowser.key.keyId).not.toBe(b.keyId);
    // The console keeps the head it cosigned, across reloads.
    // (kept once the server has acknowledged the cosignature, just after it stored it: wait for it)
    const console = page;
    const kept = await waitFor(() => console.page.evaluate<string | null>("localStorage.getItem('hotline:u:op-a1:cosigned:l1')"), { message: 'the console kept the head it cosigned' });
    expect(JSON.parse(kept)).toEqual({ seq: head.seq, hash: head.hash });

    const trusted: TrustedKeysFile[] = [];
    for (const side of ['a', 'b']) trusted.push((await (await fetch(`${url}/api/trusted-keys?side=${side}`, { headers: admin })).json()) as TrustedKeysFile);
    expect(trusted[0]!.keys.map((k) => k.keyId)).toContain(fromBrowser.key.keyId);
    const text = await (await fetch(`${url}/api/links/l1/export`, { headers: { authorization: `Bearer ${tokenFor('monitor', 'monitor')}` } })).text();
    const report = await verifyExport(text.split('\n'), nodeVerifyCrypto(), { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.cosigned.find((c) => c.seq === head.seq)?.sides).toEqual(
      expect.arrayContaining([
        { side: 'a', userId: 'op-a1', keyId: fromBrowser.key.keyId, pinned: true },
        { side: 'b', userId: 'op-b1', keyId: b.keyId, pinned: true },
      ]),
    );
    expect(page.errors).toEqual([]);
  });
});
