import { describe, expect, it } from 'vitest';
import { HandoverRequest, SIGNED_DEFAULTS, type Actor, type Entry, type SessionUser } from '@hotline/shared';
import { ConsoleModel } from '../../console/src/model.js';
import { CONSOLE_TOPOLOGY as topology, HASH } from '../helpers/console-topology.js';

/**
 * Who is on duty, as the console projects it: duty.handover entries (one per link of the post, held
 * once), with presence for whether the operator on duty is connected and, before any handover, who is
 * logged in as the post's operator.
 */
const me: SessionUser = { id: 'op-a1', name: 'Operator a1', role: 'operator', side: 'a', post: 'a1', supervisor: false, sectors: [], joint: false, drillOfficer: false };
const opA: Actor = { userId: 'op-a1', role: 'operator', postId: 'a1' };
const supA: Actor = { userId: 'sup-a1', role: 'operator', postId: 'a1' };

function handover(linkId: string, seq: number, ts: number, actor: Actor, to: string, note: string, from: string | null = null): Entry {
  return { linkId, seq, ts, actor, drill: false, prevHash: HASH, hash: HASH, type: 'duty.handover', payload: { postId: 'a1', from, to, note } };
}

describe('who is on duty in the console model', () => {
  it('falls back to who is logged in, then follows the handovers, each held once across the links of the post', () => {
    const model = new ConsoleModel(topology, me);
    expect(model.onDuty('a1')).toEqual({ kind: 'nobody', online: null });
    model.presence.set('a1', { postId: 'a1', online: true, since: 1, operators: ['op-a1'] });
    expect(model.onDuty('a1')).toEqual({ kind: 'logged-in', users: ['op-a1'] });
    expect(model.operatorsOf('a1').map((u) => u.id)).toEqual(['op-a1', 'sup-a1']);

    // The same handover on l1 and on l4: one record, with both entries; a thread line on each link.
    expect(model.apply(handover('l1', 1, 5_000, opA, 'sup-a1', 'quiet'))?.kind).toBe('duty');
    expect(model.apply(handover('l4', 1, 5_004, opA, 'sup-a1', 'quiet'))?.kind).toBe('duty');
    expect(model.handovers('a1')).toHaveLength(1);
    expect(model.handovers('a1')[0]).toMatchObject({ from: 'op-a1', by: 'op-a1', to: 'sup-a1', note: 'quiet', at: 5_000, entries: [{ linkId: 'l1', seq: 1 }, { linkId: 'l4', seq: 1 }] });
    expect(model.threads.get('l1')!.items.map((i) => i.kind)).toEqual(['duty']);
    expect(model.threads.get('l4')!.items.map((i) => i.kind)).toEqual(['duty']);
    const state = model.onDuty('a1');
    expect(state).toMatchObject({ kind: 'handover', userId: 'sup-a1', since: 5_000, note: 'quiet', online: false });

    // The incoming operator connects: online, from presence.
    model.presence.set('a1', { postId: 'a1', online: true, since: 1, operators: ['op-a1', 'sup-a1'] });
    expect(model.onDuty('a1')).toMatchObject({ kind: 'handover', userId: 'sup-a1', online: true });

    // Handed back later: newest first in the roster, the latest on duty.
    model.apply(handover('l1', 2, 60_000, supA, 'op-a1', 'back to you', 'sup-a1'));
    expect(model.handovers('a1').map((r) => [r.from, r.to])).toEqual([
      ['sup-a1', 'op-a1'],
      ['op-a1', 'sup-a1'],
    ]);
    expect(model.onDuty('a1')).toMatchObject({ kind: 'handover', userId: 'op-a1', since: 60_000 });
    // An exercise handover is in the roster, but does not change who is really on duty (but for a drill session).
    model.apply({ ...handover('l1', 3, 70_000, opA, 'sup-a1', 'exercise'), drill: true });
    expect(model.handovers('a1')[0]).toMatchObject({ to: 'sup-a1', drill: true });
    expect(model.onDuty('a1')).toMatchObject({ kind: 'handover', userId: 'op-a1', since: 60_000 });
    const drillSession = new ConsoleModel(topology, me, { drillOnly: true });
    drillSession.apply({ ...handover('l1', 1, 70_000, opA, 'sup-a1', 'exercise'), drill: true });
    expect(drillSession.onDuty('a1')).toMatchObject({ kind: 'handover', userId: 'sup-a1' });
    // The other end's post has no handover: who is logged in there, or nobody known.
    expect(model.onDuty('b1')).toEqual({ kind: 'nobody', online: null });
    model.presence.set('b1', { postId: 'b1', online: false, since: 1, operators: [] });
    expect(model.onDuty('b1')).toEqual({ kind: 'nobody', online: false });
  });
});

describe('the handover request', () => {
  it('fills in the defaults a client signs with (SIGNED_DEFAULTS), and refuses a note too long', () => {
    const parsed = HandoverRequest.parse({ postId: 'a1', to: 'sup-a1' });
    expect({ note: parsed.note }).toEqual(SIGNED_DEFAULTS['duty:handover']);
    expect(parsed.sigs).toEqual({});
    expect(HandoverRequest.safeParse({ postId: 'a1', to: 'sup-a1', note: 'x'.repeat(501) }).success).toBe(false);
    expect(HandoverRequest.safeParse({ postId: 'a1', to: 'sup-a1', extra: 1 }).success).toBe(false);
  });
});
