import { describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { LinkTracker } from '../../client-sdk/src/link-tracker.js';

const entry = (seq: number, linkId = 'l1'): Entry =>
  ({ linkId, seq, hash: `h${seq}`.padEnd(64, '0'), prevHash: `h${seq - 1}`.padEnd(64, '0') }) as unknown as Entry;

describe('client link tracker: heads of a sync against live entries', () => {
  it('a head read before live entries that overtook the sync answer is no fork', () => {
    const forks: unknown[] = [];
    const t = new LinkTracker({ deliver: () => undefined, gap: () => undefined, fork: (_l, info) => forks.push(info) });
    t.follow('l1');
    for (const seq of [1, 2, 3]) t.accept(entry(seq));
    // The client asks from 3; the server reads the head (3); entry 4 is appended and pushed live and
    // arrives before the sync answer.
    t.accept(entry(4));
    t.checkHeads({ l1: { seq: 3, hash: entry(3).hash } }, { l1: 3 });
    expect(forks).toEqual([]);
  });

  it('a head below what the client held when it asked is a rollback', () => {
    const forks: unknown[] = [];
    const t = new LinkTracker({ deliver: () => undefined, gap: () => undefined, fork: (_l, info) => forks.push(info) });
    t.follow('l1');
    for (const seq of [1, 2, 3, 4]) t.accept(entry(seq));
    t.checkHeads({ l1: { seq: 2, hash: entry(2).hash } }, { l1: 4 });
    expect(forks).toEqual([{ seq: 4, serverSeq: 2 }]);
    // Without the cursors asked with, the tracker still compares with what it holds.
    t.checkHeads({ l1: { seq: 3, hash: entry(3).hash } });
    expect(forks).toHaveLength(2);
  });
});
