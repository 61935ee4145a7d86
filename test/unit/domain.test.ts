import { describe, expect, it } from 'vitest';
import { TopologySchema, type AlertState } from '@hotline/shared';
import { decideTransition } from '../../server/src/domain/alert-machine.js';
import { planStep, totalSteps } from '../../server/src/domain/escalation-plan.js';
import { TopologyIndex } from '../../server/src/domain/topology-index.js';
import { TokenSigner } from '../../server/src/auth/tokens.js';
import { hashPassword, verifyPassword } from '../../server/src/auth/passwords.js';
import { makeTopology } from '../helpers/topology.js';

describe('alert state machine', () => {
  const table: [AlertState, 'ack' | 'resolve' | 'cancel', string][] = [
    ['open', 'ack', 'apply:acknowledged'],
    ['acknowledged', 'ack', 'repeat'],
    ['resolved', 'ack', 'repeat'],
    ['cancelled', 'ack', 'conflict'],
    ['open', 'resolve', 'conflict'],
    ['acknowledged', 'resolve', 'apply:resolved'],
    ['resolved', 'resolve', 'repeat'],
    ['cancelled', 'resolve', 'conflict'],
    ['open', 'cancel', 'apply:cancelled'],
    ['acknowledged', 'cancel', 'conflict'],
    ['resolved', 'cancel', 'conflict'],
    ['cancelled', 'cancel', 'repeat'],
  ];
  it.each(table)('%s + %s → %s', (state, action, expected) => {
    const d = decideTransition(state, action);
    expect(d.kind === 'apply' ? `apply:${d.to}` : d.kind).toBe(expected);
  });
});

describe('escalation plan', () => {
  const policy = {
    id: 'p',
    name: 'p',
    onCounterpartOffline: 'wait' as const,
    levels: [
      { delay: 100, targets: ['counterpart-supervisors' as const] },
      { delay: 300, targets: ['joint-command' as const] },
    ],
    repeat: { every: 50, times: 2 },
  };
  it('counts level delays from the raise, then repeats the last level', () => {
    expect(totalSteps(policy)).toBe(4);
    expect([1, 2, 3, 4].map((s) => planStep(policy, 1000, s))).toEqual([
      { step: 1, level: 1, repeat: false, dueAt: 1100 },
      { step: 2, level: 2, repeat: false, dueAt: 1300 },
      { step: 3, level: 2, repeat: true, dueAt: 1350 },
      { step: 4, level: 2, repeat: true, dueAt: 1400 },
    ]);
    expect(planStep(policy, 1000, 5)).toBeNull();
    expect(planStep(policy, 1000, 0)).toBeNull();
  });
  it('fires the first step at the raise when asked to escalate at once', () => {
    expect(planStep(policy, 1000, 1, true)?.dueAt).toBe(1000);
    expect(planStep(policy, 1000, 2, true)?.dueAt).toBe(1300);
  });
});

describe('access rules', async () => {
  const topo = new TopologyIndex(TopologySchema.parse((await makeTopology()).topology));
  const who = (id: string) => topo.principalFor(topo.user(id)!, { exp: Date.now() + 60_000 });
  it('operators read and write only their post’s links; commanders read their sectors; monitors read all', () => {
    expect(topo.readableLinkIds(who('op-a1'))).toEqual(['l1', 'l4']);
    expect(topo.canSend(who('op-a1'), topo.link('l2')!)).toBe(false);
    expect(topo.readableLinkIds(who('cmd-sb1'))).toEqual(['l1', 'l2', 'l4']);
    expect(topo.canSend(who('cmd-sb1'), topo.link('l1')!)).toBe(false);
    expect(topo.readableLinkIds(who('monitor'))).toEqual(['l1', 'l2', 'l3', 'l4']);
    expect(topo.canSend(who('monitor'), topo.link('l1')!)).toBe(false);
    expect(topo.readableLinkIds(who('joint'))).toEqual(['l1', 'l2', 'l3', 'l4']);
  });
  it('resolves escalation targets', () => {
    expect(topo.escalationTargets(['counterpart-supervisors'], 'a1', 'b1')).toEqual(['sup-b1']);
    expect(topo.escalationTargets(['counterpart-commanders', 'raiser-commanders', 'joint-command'], 'a1', 'b1')).toEqual([
      'cmd-sa1',
      'cmd-sb1',
      'joint',
    ]);
  });
  it('picks a policy by drill, link and severity', () => {
    expect(topo.policyFor('l1', 2, false).id).toBe('fast');
    expect(topo.policyFor('l1', 4, false).id).toBe('urgent');
    expect(topo.policyFor('l1', 4, true).id).toBe('drill');
  });
});

describe('tokens and passwords', () => {
  it('verifies its own tokens and refuses forged, expired and malformed ones', async () => {
    const signer = new TokenSigner('s'.repeat(32), 1000);
    const { token, claims } = signer.issue({ id: 'op-a1', role: 'operator' }, { now: 10_000 });
    expect(await signer.verify(token, 10_500)).toMatchObject({ ok: true, claims: { sub: 'op-a1', role: 'operator', sid: claims.sid } });
    expect(await signer.verify(token, 11_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await new TokenSigner('t'.repeat(32), 1000).verify(token, 10_500)).toEqual({ ok: false, reason: 'signature' });
    expect(await signer.verify('v1.abc', 0)).toEqual({ ok: false, reason: 'malformed' });
    expect(await signer.verify(42, 0)).toEqual({ ok: false, reason: 'malformed' });
    // A standard JWT: HS256 only; "none" and other algorithms are refused.
    const [, body] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${body}.`;
    expect((await signer.verify(none, 10_500)).ok).toBe(false);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });
  it('hashes passwords with scrypt and checks them', async () => {
    const hash = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('line-check schedules', async () => {
  const { latestSlotAtOrBefore, nextSlotAfter, slotsBetween, zonedTime } = await import('../../server/src/domain/schedule.js');
  it('places times of day in their time zone', () => {
    const karachi = { times: ['09:00', '16:00'], timeZone: 'Asia/Karachi', window: 300_000 };
    // 09:00 in Karachi (UTC+5) is 04:00 UTC.
    expect(new Date(zonedTime('Asia/Karachi', 2026, 11, 28, 9, 0)).toISOString()).toBe('2026-11-28T04:00:00.000Z');
    const at = Date.parse('2026-11-28T05:30:00Z'); // 10:30 in Karachi
    expect(new Date(latestSlotAtOrBefore(karachi, at)).toISOString()).toBe('2026-11-28T04:00:00.000Z');
    expect(new Date(nextSlotAfter(karachi, at)).toISOString()).toBe('2026-11-28T11:00:00.000Z');
    expect(new Date(nextSlotAfter(karachi, Date.parse('2026-11-28T11:00:00Z'))).toISOString()).toBe('2026-11-29T04:00:00.000Z');
    expect(slotsBetween(karachi, Date.parse('2026-11-28T00:00:00Z'), Date.parse('2026-11-30T00:00:00Z'))).toBe(4);
  });
  it('handles a zone with daylight saving', () => {
    const berlin = { times: ['09:00'], timeZone: 'Europe/Berlin', window: 300_000 };
    expect(new Date(nextSlotAfter(berlin, Date.parse('2026-07-01T00:00:00Z'))).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(new Date(nextSlotAfter(berlin, Date.parse('2026-12-01T00:00:00Z'))).toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });
  it('aligns intervals to the epoch', () => {
    const every = { every: 2000, timeZone: 'UTC', window: 500 };
    expect(latestSlotAtOrBefore(every, 10_500)).toBe(10_000);
    expect(nextSlotAfter(every, 10_000)).toBe(12_000);
    expect(slotsBetween(every, 10_000, 16_000)).toBe(3);
    expect(slotsBetween(every, 10_001, 16_001)).toBe(3);
  });
});

describe('line-fault parties', async () => {
  const { lineFaultParties } = await import('../../server/src/domain/line-fault.js');
  const posts = ['a1', 'b1'] as const;
  const onlineSet = (...ids: string[]) => (p: string) => ids.includes(p);

  it('one post silent: it is asked to acknowledge, counted offline only when it is', () => {
    expect(lineFaultParties(posts, ['b1'], onlineSet('a1', 'b1'))).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1', counterpartOnline: true });
    expect(lineFaultParties(posts, ['a1'], onlineSet('b1'))).toEqual({ raiserPostId: 'b1', counterpartPostId: 'a1', counterpartOnline: false });
  });

  it('both silent: the second post is asked, and counted online when it is (both online is no offline counterpart)', () => {
    expect(lineFaultParties(posts, ['a1', 'b1'], onlineSet('a1', 'b1'))).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1', counterpartOnline: true });
    expect(lineFaultParties(posts, ['a1', 'b1'], onlineSet('b1'))).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1', counterpartOnline: true });
  });

  it('both silent, the second post offline: offline, whoever else is online', () => {
    expect(lineFaultParties(posts, ['a1', 'b1'], onlineSet('a1'))).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1', counterpartOnline: false });
    expect(lineFaultParties(posts, ['a1', 'b1'], onlineSet())).toEqual({ raiserPostId: 'a1', counterpartPostId: 'b1', counterpartOnline: false });
  });
});
