import { describe, expect, it } from 'vitest';
import { verifyChain, type Entry, type EntryDraft } from '@hotline/shared';
import { Keys } from '../../server/src/store/keys.js';
import { RedisLinkLog } from '../../server/src/store/link-log.js';
import { readLog, sha256 } from '../helpers/log.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { waitFor } from '../helpers/wait.js';

const draft = (postId: string, text: string): EntryDraft => ({
  linkId: 'l1',
  type: 'message',
  actor: { userId: `op-${postId}`, role: 'operator', postId },
  drill: false,
  payload: { clientMsgId: `id-${text}`, text, precedence: 'routine' },
});

/** Two "nodes" taking turns on one link, as the two ends of a conversation on different nodes do. */
async function converse(a: RedisLinkLog, b: RedisLinkLog, turns: number, waitForHead: boolean): Promise<void> {
  for (let i = 0; i < turns; i++) {
    const [writer, other] = i % 2 ? [b, a] : [a, b];
    const out = await writer.append('l1', [], () => ({ write: true, draft: draft(i % 2 ? 'b1' : 'a1', `turn-${i}`), result: (e) => e }));
    if (out.kind !== 'appended') throw new Error('not appended');
    // The peer answers after it saw the message: by then the other node has had the head message.
    if (waitForHead) await waitFor(() => other.cachedHead('l1')?.seq === out.entry.seq, { interval: 1 });
  }
}

describe('link log: every node follows the heads of every link', () => {
  const { conn } = redisForSuite();

  it('takes turns across nodes without losing compare-and-set races, and the chain stays whole', async () => {
    const keys = new Keys('hl-follow');
    const a = new RedisLinkLog(conn(), keys);
    const b = new RedisLinkLog(conn(), keys);
    await a.followHeads(conn());
    await b.followHeads(conn());
    await converse(a, b, 40, true);
    expect(a.races + b.races).toBe(0);
    const log = await readLog(conn(), 'l1', 'hl-follow');
    expect(log).toHaveLength(40);
    expect(verifyChain(log, sha256).ok).toBe(true);
  });

  it('without following, every turn loses a race first (what the head messages save)', async () => {
    const keys = new Keys('hl-nofollow');
    const a = new RedisLinkLog(conn(), keys);
    const b = new RedisLinkLog(conn(), keys);
    await converse(a, b, 40, false);
    // Each node reads the head on its first append; every later turn finds its cached head stale.
    expect(a.races + b.races).toBe(38);
    expect(verifyChain(await readLog(conn(), 'l1', 'hl-nofollow'), sha256).ok).toBe(true);
  });

  it("carries every append's entries to the other nodes, in the order of the appends, and not back to the one that appended", async () => {
    const keys = new Keys('hl-push');
    // Both nodes configured with the same id by mistake: each still tells its own appends from the other's.
    const a = new RedisLinkLog(conn(), keys, { nodeId: 'node 1' });
    const b = new RedisLinkLog(conn(), keys, { nodeId: 'node 1' });
    const atA: Entry[][] = [];
    const atB: Entry[][] = [];
    await a.followHeads(conn(), (entries) => atA.push(entries));
    await b.followHeads(conn(), (entries) => atB.push(entries));
    const appended: Entry[][] = [];
    for (let i = 0; i < 20; i++) {
      // Every fifth append comes with an entry of its own just before it, in the same step (as a key new on the link does).
      const withPrelude = i % 5 === 0;
      const out = await a.append('l1', [], () => ({
        write: true,
        ...(withPrelude ? { prelude: [draft('a1', `prelude-${i}`)] } : {}),
        draft: draft('a1', `push-${i}`),
        result: (e) => e,
      }));
      if (out.kind !== 'appended') throw new Error('not appended');
      appended.push([...out.prelude, out.entry]);
    }
    const last = await b.append('l1', [], () => ({ write: true, draft: draft('b1', 'answer'), result: (e) => e }));
    if (last.kind !== 'appended') throw new Error('not appended');
    await waitFor(() => atB.length === appended.length && atA.length === 1);
    // What b got is what a stored, entry for entry and byte for byte, in seq order.
    expect(atB).toEqual(appended);
    expect(atB.flat().map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(atA).toEqual([[last.entry]]);
    expect(verifyChain([...atB.flat(), ...atA.flat()], sha256).ok).toBe(true);
  });

  it('does not hand over the entries of a link no console on the node follows, and still learns its head', async () => {
    const keys = new Keys('hl-wanted');
    const a = new RedisLinkLog(conn(), keys, { nodeId: 'node a' });
    const b = new RedisLinkLog(conn(), keys, { nodeId: 'node b' });
    const atB: Entry[][] = [];
    const followed = new Set(['l2']);
    await b.followHeads(conn(), (entries) => atB.push(entries), (linkId) => followed.has(linkId));
    const on = async (linkId: string, text: string) => {
      const out = await a.append(linkId, [], () => ({ write: true, draft: { ...draft('a1', text), linkId }, result: (e) => e }));
      if (out.kind !== 'appended') throw new Error('not appended');
      return out.entry;
    };
    await on('l1', 'unfollowed-1');
    const second = await on('l2', 'followed-1');
    await waitFor(() => atB.length === 1);
    await waitFor(() => b.cachedHead('l1')?.seq === 1);
    // A console here starts to follow l1: from then on its entries come.
    followed.add('l1');
    const third = await on('l1', 'followed-2');
    await waitFor(() => atB.length === 2);
    expect(atB).toEqual([[second], [third]]);
    expect(b.cachedHead('l1')).toEqual({ seq: third.seq, hash: third.hash, ts: third.ts });
  });
});
