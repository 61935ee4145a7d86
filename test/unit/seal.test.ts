import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryHashInput, type Entry, type HotlineSendRequest } from '@hotline/shared';
import { isEntrySeal, unsealSent } from '../../client-sdk/src/seal.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const sent: HotlineSendRequest = {
  linkId: 'l1',
  clientMsgId: 'seal-0001',
  text: 'د غره په سر هر څه ارام دي — all quiet on the ridge',
  precedence: 'flash',
  drill: false,
  sig: { keyId: '0123456789abcdef0123456789abcdef', value: 'c2lnbmF0dXJl' },
  reply: 'seal',
};
const user = { id: 'op-a1', role: 'operator' as const, post: 'a1' };

/** The entry as the server stores it (field order of the server's draft, which the hash does not see). */
function stored(): Entry {
  const body = {
    linkId: 'l1',
    type: 'message',
    actor: { userId: 'op-a1', role: 'operator', postId: 'a1' },
    drill: false,
    payload: { clientMsgId: 'seal-0001', text: sent.text, precedence: 'flash' },
    sig: sent.sig,
    seq: 42,
    ts: 1_765_000_000_123,
    prevHash: 'ab'.repeat(32),
  };
  return { ...body, hash: sha256(entryHashInput(body)) } as Entry;
}

describe('a sent message rebuilt from its seal', () => {
  it('is the stored entry when it hashes to the seal', async () => {
    const e = stored();
    const rebuilt = await unsealSent(sent, user, { seq: e.seq, ts: e.ts, prevHash: e.prevHash, hash: e.hash });
    expect(rebuilt).toEqual(e);
  });

  it('is refused when anything differs from what the log holds', async () => {
    const e = stored();
    const seal = { seq: e.seq, ts: e.ts, prevHash: e.prevHash, hash: e.hash };
    expect(await unsealSent(sent, { ...user, post: 'a2' }, seal)).toBeNull();
    expect(await unsealSent({ ...sent, text: `${sent.text} ` }, user, seal)).toBeNull();
    expect(await unsealSent({ ...sent, sig: undefined }, user, seal)).toBeNull();
    expect(await unsealSent(sent, user, { ...seal, ts: seal.ts + 1 })).toBeNull();
    expect(await unsealSent(sent, user, { ...seal, seq: seal.seq + 1 })).toBeNull();
  });

  it('is only tried on what has the shape of a seal', () => {
    expect(isEntrySeal({ seq: 1, ts: 2, prevHash: 'a', hash: 'b' })).toBe(true);
    for (const bad of [null, undefined, 'seal', { seq: '1', ts: 2, prevHash: 'a', hash: 'b' }, { seq: 1.5, ts: 2, prevHash: 'a', hash: 'b' }, { seq: 1, ts: 2, prevHash: 'a' }]) {
      expect(isEntrySeal(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
