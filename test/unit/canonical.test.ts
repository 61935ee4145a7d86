import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalize, entryHashInput, verifyChain } from '@hotline/shared';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('canonical encoding', () => {
  it('sorts keys at every depth, drops undefined members and keeps strings exact', () => {
    expect(canonicalize({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    const text = 'سمدستي ډزې ودروئ 🚁 e\u0301';
    expect(JSON.parse(canonicalize({ text })).text).toBe(text);
  });

  it('gives the same bytes whatever the key order', () => {
    expect(canonicalize({ x: 1, y: { b: 2, a: 1 } })).toBe(canonicalize({ y: { a: 1, b: 2 }, x: 1 }));
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalize({ n: Number.NaN })).toThrow();
    expect(() => canonicalize({ f: () => 1 })).toThrow();
  });
});

describe('hash chain', () => {
  const build = (n: number) => {
    const out = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const e = { linkId: 'l1', seq, ts: 1000 + seq, type: 'message', payload: { text: `m${seq}` }, prevHash: prev } as Record<string, unknown>;
      const hash = sha256(entryHashInput(e));
      out.push({ ...e, hash } as { linkId: string; seq: number; prevHash: string; hash: string });
      prev = hash;
    }
    return out;
  };

  it('accepts an intact chain and reports its head', () => {
    const chain = build(5);
    expect(verifyChain(chain, sha256)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: chain[4]!.hash } });
  });

  it('names the first bad seq for an edit, a deletion and a swap', () => {
    const edited = build(5);
    (edited[2] as unknown as { payload: { text: string } }).payload.text = 'rewritten';
    expect(verifyChain(edited, sha256)).toMatchObject({ ok: false, seq: 3 });
    const deleted = build(5);
    deleted.splice(1, 1);
    expect(verifyChain(deleted, sha256)).toMatchObject({ ok: false, seq: 2 });
    const swapped = build(5);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifyChain(swapped, sha256)).toMatchObject({ ok: false, seq: 2 });
  });
});

describe('signed-action defaults', () => {
  it('equal the defaults the server schemas fill in', async () => {
    const { CLIENT_EVENT_SCHEMAS, SIGNED_DEFAULTS, SIGNED_FIELDS } = await import('@hotline/shared');
    const minimal: Record<string, Record<string, unknown>> = {
      'hotline:send': { linkId: 'l1', clientMsgId: 'abcdefgh', text: 'x' },
      'alert:raise': { linkId: 'l1', clientAlertId: 'abcdefgh', kind: 'drone', severity: 1, description: 'x' },
    };
    for (const [act, fields] of Object.entries(minimal)) {
      const parsed = CLIENT_EVENT_SCHEMAS[act as keyof typeof CLIENT_EVENT_SCHEMAS].parse(fields) as Record<string, unknown>;
      const filled = Object.fromEntries(Object.entries(parsed).filter(([k]) => !(k in fields) && (SIGNED_FIELDS as Record<string, readonly string[]>)[act]!.includes(k)));
      expect(filled).toEqual(SIGNED_DEFAULTS[act as keyof typeof SIGNED_DEFAULTS]);
    }
  });
});
