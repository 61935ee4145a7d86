import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, entryHashInput } from '@hotline/shared';
import { sealEntry } from '../../server/src/store/link-log.js';
import { sha256 } from '../helpers/log.js';

/** The first, straightforward encoding; the loop-based one must give the same bytes for every value. */
function reference(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => reference(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError('cannot encode');
  }
}

const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { maxDepth: 4 },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.array(fc.oneof(tie('any'), fc.constant(undefined)), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.oneof(tie('any'), fc.constant(undefined)), { maxKeys: 6 }),
  ),
})).any;

describe('canonical encoding (fast path)', () => {
  it('gives exactly the bytes of the reference encoding for any JSON value', () => {
    fc.assert(fc.property(value, (v) => canonicalize(v) === reference(v)), { numRuns: 2000 });
  });

  it('seals entries whose hash is the SHA-256 of every other field, as verifiers compute it', () => {
    const draft = { linkId: 'l1', type: 'message' as const, actor: { userId: 'op-a1', role: 'operator' as const, postId: 'a1' }, drill: false, payload: { clientMsgId: 'abcdefgh', text: 'سلام 🚁', precedence: 'routine' as const } };
    const e = sealEntry(draft, { seq: 4, hash: 'f'.repeat(64), ts: 10 }, 5);
    expect(e).toMatchObject({ seq: 5, ts: 10, prevHash: 'f'.repeat(64) });
    expect(Object.keys(e)).toEqual(['linkId', 'type', 'actor', 'drill', 'payload', 'seq', 'ts', 'prevHash', 'hash']);
    expect(e.hash).toBe(sha256(reference({ ...draft, seq: 5, ts: 10, prevHash: 'f'.repeat(64) })));
    expect(entryHashInput(e as unknown as Record<string, unknown>)).toBe(reference({ ...e, hash: undefined }));
  });
});
