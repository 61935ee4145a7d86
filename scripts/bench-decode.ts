/**
 * What checking stored entries against the shared schema costs when the link log reads them back in
 * pages (sync, export): the bare read (XRANGE and JSON.parse), LinkLog.range (entries as stored), and
 * the bare read plus the full schema check (what LinkLog.get does for the one entry it reads), in the
 * same run.
 *   npm run bench:decode [-- --entries 20000 --page 500 --rounds 15]
 * Prints JSON: median CPU microseconds per entry of each, and what each check adds to the bare read.
 */
import { parseArgs } from 'node:util';
import { Entry, type EntryDraft } from '@hotline/shared';
import { Keys } from '../server/src/store/keys.js';
import { RedisLinkLog } from '../server/src/store/link-log.js';
import { startRedis } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '20000' }, page: { type: 'string', default: '500' }, rounds: { type: 'string', default: '15' } },
});
const ENTRIES = Number(values.entries);
const PAGE = Number(values.page);
const ROUNDS = Number(values.rounds);
const TEXT = 'Routine check from the north post: all quiet along the ridge, visibility good, no movement seen.';

const redis = await startRedis();
try {
  const client = redis.client();
  const keys = new Keys('bench-decode');
  const log = new RedisLinkLog(client, keys);
  const sig = { keyId: 'b'.repeat(32), value: 'c'.repeat(86) };
  for (let i = 0; i < ENTRIES; i++) {
    const draft: EntryDraft = {
      linkId: 'l1',
      type: 'message',
      actor: { userId: `op-${i % 2 ? 'a1' : 'b1'}`, role: 'operator', postId: i % 2 ? 'a1' : 'b1' },
      drill: false,
      payload: { clientMsgId: `bench-decode-${i}`, text: TEXT, precedence: 'routine' },
      sig,
    };
    const out = await log.append('l1', [], () => ({ write: true, draft, result: () => null }));
    if (out.kind !== 'appended') throw new Error('not appended');
  }

  /** CPU µs per entry to read the whole log in pages by `read`. */
  const measure = async (read: (after: number) => Promise<{ seq: number }[]>): Promise<number> => {
    const cpu = process.cpuUsage();
    let n = 0;
    for (let after = 0; after < ENTRIES; ) {
      const page = await read(after);
      n += page.length;
      after = page[page.length - 1]!.seq;
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  };
  const bare = (after: number) =>
    client.xrange(keys.log('l1'), `(${after}-0`, '+', 'COUNT', PAGE).then((rows) => rows.map(([, f]) => JSON.parse(f[f.indexOf('e') + 1]!) as Entry));
  const decoded = (after: number) => log.range('l1', after, PAGE);
  const zodOnly = (after: number) => bare(after).then((es) => es.map((e) => Entry.parse(e)));

  const runs = { bare: [] as number[], logRange: [] as number[], fullSchema: [] as number[] };
  const paths = [
    ['bare', bare],
    ['logRange', decoded],
    ['fullSchema', zodOnly],
  ] as const;
  for (let r = 0; r < ROUNDS + 1; r++) {
    // Each round in another order, so none is always measured first; the first round warms up.
    for (let i = 0; i < paths.length; i++) {
      const [name, read] = paths[(r + i) % paths.length]!;
      const us = await measure(read);
      if (r > 0) runs[name].push(us);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out = {
    entries: ENTRIES,
    page: PAGE,
    rounds: ROUNDS,
    cpuMicrosPerEntry: { bare: median(runs.bare), linkLogRange: median(runs.logRange), fullSchema: median(runs.fullSchema) },
    addedMicrosPerEntry: { linkLogRange: median(runs.logRange) - median(runs.bare), fullSchema: median(runs.fullSchema) - median(runs.bare) },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await redis.stop();
}
