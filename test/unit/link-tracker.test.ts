import { describe, expect, it } from 'vitest';
import type { Entry } from '@hotline/shared';
import { LinkTracker } from '../../client-sdk/src/link-tracker.js';

const entry = (seq: number, linkId = 'l1'): Entry =>
  ({ linkId, seq, hash: `h${seq}`.padEnd(64, '0'), prevHash: `h${seq - 1}`.padEnd(64, '0') }) as unknown as Entry;

describe('client link tracker', () => {
  it('delivers each entry once, in seq order, whatever order and how often they arrive', () => {
    const delivered: number[] = [];
    const gaps: number[] = [];
    const t = new LinkTracker({ deliver: (e) => delivered.push(e.seq), gap: (_l, expected) => gaps.push(expected), fork: () => undefined });
    t.follow('l1');
    for (const seq of [1, 3, 2, 2, 5, 4, 1, 6]) t.accept(entry(seq));
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gaps).toEqual([2, 4]);
    expect(t.hasGaps()).toBe(false);
  });

  it('ignores links it does not follow', () => {
    const delivered: number[] = [];
    const t = new LinkTracker({ deliver: (e) => delivered.push(e.seq), gap: () => undefined, fork: () => undefined });
    t.accept(entry(1, 'other'));
    expect(delivered).toEqual([]);
  });

  it('reports a fork when the server’s head disagrees with what it holds', () => {
    const forks: unknown[] = [];
    const t = new LinkTracker({ deliver: () => undefined, gap: () => undefined, fork: (_l, info) => forks.push(info) });
    t.follow('l1');
    t.accept(entry(1));
    t.accept(entry(2));
    t.checkHeads({ l1: { seq: 2, hash: 'f'.repeat(64) } });
    t.checkHeads({ l1: { seq: 1, hash: 'f'.repeat(64) } });
    expect(forks).toHaveLength(2);
    t.checkHeads({ l1: { seq: 2, hash: entry(2).hash } });
    expect(forks).toHaveLength(2);
  });
});
