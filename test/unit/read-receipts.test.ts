import { describe, expect, it } from 'vitest';
import type { Actor, Entry, SessionUser } from '@hotline/shared';
import { ConsoleModel } from '../../console/src/model.js';
import { CONSOLE_TOPOLOGY as topology, HASH } from '../helpers/console-topology.js';
import { ReadReceiptPolicy } from '../../console/src/read-receipts.js';

const opA: Actor = { userId: 'op-a1', role: 'operator', postId: 'a1' };
const opB: Actor = { userId: 'op-b1', role: 'operator', postId: 'b1' };

function user(over: Partial<SessionUser> = {}): SessionUser {
  return { id: 'op-a1', name: 'A1', role: 'operator', side: 'a', post: 'a1', supervisor: false, sectors: [], joint: false, drillOfficer: false, ...over };
}

/** Entries of one link with consecutive seqs. */
function log(linkId = 'l1') {
  let seq = 0;
  const base = (actor: Actor) => ({ linkId, seq: ++seq, ts: 1_000 * (seq + 1), actor, drill: false, prevHash: HASH, hash: HASH });
  return {
    message: (actor: Actor, text: string): Entry => ({ ...base(actor), type: 'message', payload: { clientMsgId: `msg-${seq + 1}-xxxxxx`, text, precedence: 'routine' } }),
    read: (actor: Actor, uptoSeq: number): Entry => ({ ...base(actor), type: 'receipt', payload: { kind: 'read', postId: actor.postId!, uptoSeq, uptoHash: HASH } }),
  };
}

/** A policy over a model, with the screen as the test sets it and the marks it sends. */
function setUp(who: SessionUser = user()) {
  const model = new ConsoleModel(topology, who);
  const screen = { thread: 'l1' as string | null, inSight: true };
  const sent: [string, number][] = [];
  const policy = new ReadReceiptPolicy(model, { threadAtEnd: () => screen.thread, inSight: () => screen.inSight }, (linkId, upto) => sent.push([linkId, upto]));
  return { model, screen, sent, policy };
}

describe('read-receipt policy', () => {
  it('marks the thread in sight read up to the newest counterpart message, once', () => {
    const { model, sent, policy } = setUp();
    const l = log();
    model.apply(l.message(opB, 'one'));
    model.apply(l.message(opB, 'two'));
    model.apply(l.message(opA, 'mine, after theirs'));
    expect(model.unread('l1', 'a1')).toBe(2);

    expect(policy.check()).toBe(true);
    expect(sent).toEqual([['l1', 2]]);
    expect(model.unread('l1', 'a1')).toBe(0); // counted at once, before the receipt comes back

    // Nothing new: nothing sent again.
    expect(policy.check()).toBe(false);
    expect(sent).toEqual([['l1', 2]]);

    model.apply(l.message(opB, 'three'));
    expect(policy.check()).toBe(true);
    expect(sent).toEqual([
      ['l1', 2],
      ['l1', 4],
    ]);
  });

  it('marks nothing while the page is hidden or covered, or the thread is not scrolled to its end', () => {
    const { model, screen, sent, policy } = setUp();
    model.apply(log().message(opB, 'one'));

    screen.inSight = false;
    expect(policy.check()).toBe(false);
    screen.inSight = true;
    screen.thread = null;
    expect(policy.check()).toBe(false);
    expect(sent).toEqual([]);
    expect(model.unread('l1', 'a1')).toBe(1);

    screen.thread = 'l1';
    expect(policy.check()).toBe(true);
    expect(sent).toEqual([['l1', 1]]);
  });

  it('marks only the thread in sight, not other links with news', () => {
    const { model, screen, sent, policy } = setUp();
    model.apply(log('l1').message(opB, 'on l1'));
    model.apply(log('l4').message({ userId: 'op-b2', role: 'operator', postId: 'b2' }, 'on l4'));
    screen.thread = 'l4';
    expect(policy.check()).toBe(true);
    expect(sent).toEqual([['l4', 1]]);
    expect(model.unread('l1', 'a1')).toBe(1);
  });

  it('sends nothing for a thread of only its own messages, or one already read at another console of the post', () => {
    const { model, sent, policy } = setUp();
    const l = log();
    model.apply(l.message(opA, 'mine'));
    expect(policy.check()).toBe(false);
    model.apply(l.message(opB, 'theirs'));
    model.apply(l.read({ userId: 'sup-a1', role: 'operator', postId: 'a1' }, 2));
    expect(policy.check()).toBe(false);
    expect(sent).toEqual([]);
  });

  it('never marks for users without a post on the link (commanders, monitors)', () => {
    for (const who of [user({ id: 'cmd-sa', role: 'commander', post: null, sectors: ['sa'] }), user({ id: 'monitor', role: 'monitor', post: null, side: null })]) {
      const { model, sent, policy } = setUp(who);
      model.apply(log().message(opB, 'one'));
      expect(policy.check()).toBe(false);
      expect(sent).toEqual([]);
    }
  });
});
