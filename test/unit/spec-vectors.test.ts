import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_EVENT_SCHEMAS,
  Checkpoint,
  Cosignature,
  Entry,
  SIGNED_DEFAULTS,
  SIGNED_FIELDS,
  actionOfEntry,
  canonicalize,
  checkpointInput,
  cosignInput,
  entryHashInput,
  parseTrustedKeys,
  signingInput,
  verifyExport,
  withSignedDefaults,
  type SignedAct,
  type VerifyReport,
} from '@hotline/shared';
import { verifyP256 as webCryptoVerify } from '../../client-sdk/src/signer.js';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { parseVectorBlocks } from '../../scripts/lib/spec-vectors.js';
import { ROOT } from '../helpers/server.js';

/**
 * The test vectors of the specification (docs/record.md, Appendix A) checked against the shared code:
 * the document is the contract a second implementation is built from, so it must not drift from what
 * this one does.
 */

const DOC = readFileSync(path.join(ROOT, 'docs/record.md'), 'utf8');
const blocks = parseVectorBlocks(DOC);
const crypto = nodeVerifyCrypto();
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function block(name: string): string {
  const b = blocks.get(name);
  if (!b || !b.body.trim()) throw new Error(`docs/record.md has no filled vector block ${name}`);
  return b.body;
}
const jsonBlock = <T>(name: string) => JSON.parse(block(name)) as T;

interface TestKey {
  userId?: string;
  alg?: string;
  keyId: string;
  publicKey: string;
  privateJwk: JsonWebKey;
}
const keys = { north: jsonBlock<TestKey>('key.op-n-kharlan'), south: jsonBlock<TestKey>('key.op-s-kharlan'), server: jsonBlock<TestKey>('key.server') };
const userKeys = [keys.north, keys.south];
const serverKey = jsonBlock<{ keyId: string; alg: string; publicKey: string }>('server-key');

type Line = Record<string, unknown> & { kind: string };
type ExportEntry = Record<string, unknown> & { seq: number; hash: string; prevHash: string; sig?: { keyId: string; value: string } };
const lines = (name: string) => block(name).split('\n').map((l) => JSON.parse(l) as Line);
const entriesOf = (name: string) => lines(name).filter((l) => l.kind === 'entry').map((l) => l.entry as ExportEntry);
const fullEntries = entriesOf('export.full');
const entryAt = (seq: number) => fullEntries.find((e) => e.seq === seq)!;

const verify = (ls: Iterable<string>) => verifyExport(ls, crypto, { requireSignatures: true, serverKeyId: serverKey.keyId });

/** The signed requests of Appendix A: their act, and the entry of export.full that records each. */
const REQUESTS: { name: string; act: SignedAct; seq: number }[] = [
  { name: 'key-register', act: 'key:register', seq: 1 },
  { name: 'send', act: 'hotline:send', seq: 2 },
  { name: 'ack', act: 'hotline:ack', seq: 4 },
  { name: 'raise', act: 'alert:raise', seq: 5 },
  { name: 'alert-ack', act: 'alert:ack', seq: 6 },
  { name: 'answer', act: 'linecheck:answer', seq: 8 },
  { name: 'read', act: 'hotline:read', seq: 12 },
];

/** The fields a request signs: the keys of key:register are named by the request's public key. */
function requestFields(act: SignedAct, request: Record<string, unknown>): Record<string, unknown> {
  if (act === 'key:register') return { ...request, keyId: (request.sig as { keyId: string }).keyId };
  return request;
}

describe('the test keys of the specification (A.1)', () => {
  it.each(Object.entries(keys))('%s: the key id is derived from the public key, and the private key is its pair', async (_name, key) => {
    const spki = Buffer.from(key.publicKey, 'base64url');
    expect(spki).toHaveLength(91);
    expect(key.publicKey).toHaveLength(122);
    expect(key.keyId).toBe(createHash('sha256').update(spki).digest('hex').slice(0, 32));
    expect(await crypto.keyIdOf(key.publicKey)).toBe(key.keyId);
    const privateKey = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
    expect(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64url')).toBe(key.publicKey);
  });

  it('GET /api/server-key of the test server is the server key’s public part', () => {
    expect(serverKey).toEqual({ keyId: keys.server.keyId, alg: 'ES256', publicKey: keys.server.publicKey });
  });
});

describe('canonical JSON (A.2)', () => {
  it('encodes the vector value to exactly the bytes given', () => {
    expect(canonicalize(JSON.parse(block('canonical.input')))).toBe(block('canonical.output'));
  });
});

describe('an entry and its hash (A.3)', () => {
  const entry = jsonBlock<ExportEntry>('entry.message');

  it('is a valid entry and the one at its seq in the export', () => {
    expect(Entry.safeParse(entry).success).toBe(true);
    expect(entry).toEqual(entryAt(entry.seq));
  });

  it('hashes every member but hash, sig and prevHash included, to the hash given', () => {
    const input = block('entry.message.hash-input');
    expect(entryHashInput(entry)).toBe(input);
    expect(input).toContain('"sig":{');
    expect(input).toContain('"prevHash":');
    expect(input).not.toContain('"hash":');
    expect(sha256(input)).toBe(block('entry.message.hash'));
    expect(entry.hash).toBe(block('entry.message.hash'));
  });
});

describe('signed actions (A.4 to A.6)', () => {
  it.each(REQUESTS)('$name ($act): valid request, its signing input, and a signature that verifies', async ({ name, act }) => {
    const request = jsonBlock<Record<string, unknown> & { sig: { keyId: string; value: string } }>(`${name}.request`);
    const input = block(`${name}.input`);
    const key = userKeys.find((k) => k.keyId === request.sig.keyId)!;
    expect(key, `the signing key of ${name} is a test key`).toBeDefined();
    // What the server sees: the request as its schema validates it, defaults applied.
    const parsed = CLIENT_EVENT_SCHEMAS[act as keyof typeof CLIENT_EVENT_SCHEMAS].safeParse(request);
    expect(parsed.success).toBe(true);
    expect(signingInput(act, key.userId!, requestFields(act, parsed.data as Record<string, unknown>))).toBe(input);
    // What a client signs: the request with the documented defaults applied.
    expect(signingInput(act, key.userId!, withSignedDefaults(act, requestFields(act, request)))).toBe(input);
    expect(await crypto.verifyP256(key.publicKey, input, request.sig.value)).toBe(true);
    expect(await webCryptoVerify(key.publicKey, input, request.sig.value)).toBe(true);
    expect(await crypto.verifyP256(key.publicKey, `${input} `, request.sig.value)).toBe(false);
  });

  it.each(REQUESTS)('$name: the verifier rebuilds the same signing input from the entry that records it', ({ name, act, seq }) => {
    const request = jsonBlock<{ sig: unknown }>(`${name}.request`);
    const entry = entryAt(seq) as unknown as Parameters<typeof actionOfEntry>[0] & { sig: unknown };
    const action = actionOfEntry(entry);
    expect(action?.act).toBe(act);
    expect(signingInput(action!.act, entry.actor.userId, action!.fields)).toBe(block(`${name}.input`));
    expect(entry.sig).toEqual(request.sig);
  });

  it('a signer produces other signatures over the same input, which verify as well', async () => {
    const input = block('send.input');
    const fresh = sign('sha256', Buffer.from(input, 'utf8'), { key: createPrivateKey({ key: keys.north.privateJwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }).toString('base64url');
    expect(fresh).toHaveLength(86);
    expect(fresh).not.toBe(jsonBlock<{ sig: { value: string } }>('send.request').sig.value);
    expect(await crypto.verifyP256(keys.north.publicKey, input, fresh)).toBe(true);
  });

  it('the table of signed fields and defaults (§5.1) is the code’s', () => {
    const section = DOC.slice(DOC.indexOf('### 5.1'), DOC.indexOf('### 5.2'));
    const rows = [...section.matchAll(/^\| `([a-z]+:[a-z]+)` \| ([^|]*)\| ([^|]*)\|$/gm)];
    const names = (cell: string) => [...cell.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    const table = Object.fromEntries(rows.map((r) => [r[1], names(r[2]!)]));
    expect(table).toEqual(Object.fromEntries(Object.entries(SIGNED_FIELDS).map(([act, fields]) => [act, [...fields]])));
    const defaults = Object.fromEntries(
      rows
        .filter((r) => r[3]!.trim())
        .map((r) => [r[1], Object.fromEntries([...r[3]!.matchAll(/`([A-Za-z]+): ([^`]+)`/g)].map((m) => [m[1], JSON.parse(m[2]!)]))]),
    );
    expect(defaults).toEqual(SIGNED_DEFAULTS);
  });
});

describe('a checkpoint (A.7)', () => {
  it('is valid, signed by the server key over the input given, and the first checkpoint of the export', async () => {
    const cp = jsonBlock<Checkpoint>('checkpoint');
    expect(Checkpoint.safeParse(cp).success).toBe(true);
    expect(checkpointInput(cp)).toBe(block('checkpoint.input'));
    expect(cp.keyId).toBe(keys.server.keyId);
    expect(await crypto.verifyP256(keys.server.publicKey, block('checkpoint.input'), cp.sig)).toBe(true);
    expect(lines('export.full').find((l) => l.kind === 'checkpoint')?.checkpoint).toEqual(cp);
    expect(cp.hash).toBe(entryAt(cp.seq).hash);
  });
});

describe('a cosignature and the trusted keys (A.10)', () => {
  const request = jsonBlock<Record<string, unknown> & { sig: { keyId: string; value: string } }>('cosign.request');
  const cosignature = jsonBlock<Record<string, unknown> & { seq: number; hash: string; sig: { keyId: string; value: string } }>('cosignature');

  it('the request is valid, its signing input is the one given, and its signature verifies with the south key', async () => {
    const parsed = CLIENT_EVENT_SCHEMAS['checkpoint:cosign'].safeParse(request);
    expect(parsed.success).toBe(true);
    const input = block('cosign.input');
    expect(signingInput('checkpoint:cosign', keys.south.userId!, parsed.data as Record<string, unknown>)).toBe(input);
    expect(cosignInput({ ...(request as unknown as { linkId: string; seq: number; hash: string; side: string }), userId: keys.south.userId! })).toBe(input);
    expect(request.sig.keyId).toBe(keys.south.keyId);
    expect(await crypto.verifyP256(keys.south.publicKey, input, request.sig.value)).toBe(true);
    expect(await webCryptoVerify(keys.south.publicKey, input, request.sig.value)).toBe(true);
  });

  it('the cosignature kept is the request with the cosigner and its key, and it is the one the export carries with checkpoint 6', () => {
    expect(Cosignature.safeParse(cosignature).success).toBe(true);
    expect(cosignature).toMatchObject({ ...request, userId: keys.south.userId, key: { keyId: keys.south.keyId, publicKey: keys.south.publicKey } });
    const line = lines('export.full').find((l) => l.kind === 'checkpoint' && (l.checkpoint as Checkpoint).seq === 6)!;
    expect(line.cosignatures).toContainEqual(cosignature);
    expect(cosignature.hash).toBe(entryAt(6).hash);
  });

  it('the trusted-keys files parse, and with them the export verifies with checkpoint 6 cosigned by both sides and entries 7 to 12 not covered', async () => {
    const trusted = ['north', 'south'].map((side) => parseTrustedKeys(block(`trusted-keys.${side}`)));
    expect(trusted.map((t) => t.keys.map((k) => k.keyId))).toEqual([[keys.north.keyId], [keys.south.keyId]]);
    for (const name of ['export.full', 'export.range']) {
      const report = await verifyExport(block(name).split('\n'), crypto, { trustedKeys: trusted, serverKeyId: serverKey.keyId });
      expect(report.ok).toBe(true);
      expect(report.cosigned).toEqual([
        {
          seq: 6,
          hash: entryAt(6).hash,
          sides: [
            { side: 'north', userId: 'op-n-kharlan', keyId: keys.north.keyId, pinned: true },
            { side: 'south', userId: 'op-s-kharlan', keyId: keys.south.keyId, pinned: true },
          ],
        },
      ]);
      expect(report.coverage).toMatchObject({ lastCovered: 6, lastCoveredByAllSides: 6, notCovered: { fromSeq: 7, toSeq: 12 } });
    }
  });
});

describe('the exports (A.8)', () => {
  const verdict = (name: string) => {
    const m = new RegExp(
      `Verdict of \`${name.replace('.', '\\.')}\`: intact; (\\d+) entries, (\\d+) signed, (\\d+) unsigned, (\\d+) server entries, (\\d+) keys,\\s+(\\d+) checkpoints, (\\d+) quotes checked\\.`,
    ).exec(DOC);
    if (!m) throw new Error(`docs/record.md states no verdict for ${name}`);
    const [entries, signed, unsigned, serverEntries, keyCount, checkpoints, quotesChecked] = m.slice(1).map(Number);
    return { entries, signed, unsigned, serverEntries, keys: keyCount, checkpoints, quotesChecked };
  };

  it.each(['export.full', 'export.range'])('%s verifies intact, signatures required and the server key pinned, with the counts stated', async (name) => {
    const report = await verify(block(name).split('\n'));
    expect(report.firstBad).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.serverKeyId).toBe(keys.server.keyId);
    expect(report.counts).toMatchObject(verdict(name));
    for (const e of entriesOf(name)) expect(Entry.safeParse(e).success, `entry ${e.seq} is a valid entry`).toBe(true);
  });

  it('the ranged export holds the same entries, the anchor before them and the keys registered before them', () => {
    const ranged = lines('export.range');
    expect(ranged.map((l) => l.kind)).toEqual(['header', 'anchor', 'key', 'key', 'checkpoint', 'checkpoint', ...Array(8).fill('entry'), 'end']);
    expect(entriesOf('export.range')).toEqual(fullEntries.filter((e) => e.seq >= 5));
    expect(ranged[1]).toEqual({ kind: 'anchor', seq: 4, hash: entryAt(4).hash });
    expect(ranged.filter((l) => l.kind === 'key').map((l) => l.entry)).toEqual([entryAt(1), entryAt(3)]);
  });
});

describe('modifications a verifier must refuse (A.9)', () => {
  /** Recomputes prevHash and hash of every entry from `fromSeq` on, as a forger with store access would. */
  function rechain(ls: Line[], fromSeq: number): void {
    let prev: string | undefined;
    for (const l of ls) {
      if (l.kind !== 'entry') continue;
      const e = l.entry as ExportEntry;
      if (e.seq >= fromSeq) {
        if (prev !== undefined) e.prevHash = prev;
        const { hash: _old, ...rest } = e;
        e.hash = sha256(entryHashInput(rest));
      }
      prev = e.hash;
    }
  }
  const entryLine = (ls: Line[], seq: number) => ls.findIndex((l) => l.kind === 'entry' && (l.entry as ExportEntry).seq === seq);
  const entryIn = (ls: Line[], seq: number) => ls[entryLine(ls, seq)]!.entry as ExportEntry & { payload: Record<string, unknown> };
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });

  const CASES: Record<string, (ls: Line[]) => void> = {
    edit: (ls) => {
      entryIn(ls, 2).payload.text = 'ROUTINE: all quiet at pillar 41';
    },
    'edit-rechained': (ls) => {
      entryIn(ls, 2).payload.text = 'ROUTINE: all quiet at pillar 41';
      rechain(ls, 2);
    },
    'strip-sig-rechained': (ls) => {
      const e = entryIn(ls, 5);
      delete e.sig;
      e.payload.description = 'Nothing to report';
      rechain(ls, 5);
    },
    delete: (ls) => {
      ls.splice(entryLine(ls, 9), 1);
    },
    swap: (ls) => {
      const i = entryLine(ls, 7);
      [ls[i], ls[i + 1]] = [ls[i + 1]!, ls[i]!];
    },
    'requote-rechained': (ls) => {
      entryIn(ls, 6).payload.quotedHash = entryIn(ls, 2).hash;
      rechain(ls, 6);
    },
    'checkpoint-sig': (ls) => {
      const [first, second] = ls.filter((l) => l.kind === 'checkpoint').map((l) => l.checkpoint as Checkpoint);
      first!.sig = second!.sig;
    },
    truncate: (ls) => {
      ls.pop();
    },
    count: (ls) => {
      ls[ls.length - 1]!.entries = 11;
    },
    'server-key': (ls) => {
      ls[0]!.serverKey = { keyId: createHash('sha256').update(other).digest('hex').slice(0, 32), alg: 'ES256', publicKey: other.toString('base64url') };
    },
  };

  const section = DOC.slice(DOC.indexOf('### A.9'));
  const rows = [...section.matchAll(/^\| `([a-z-]+)` \| [^|]+ \| (\d+|none) \|$/gm)].map((m) => ({ name: m[1]!, seq: m[2] === 'none' ? null : Number(m[2]) }));

  it('the table and this test list the same cases', () => {
    expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(rows)('$name: NOT INTACT at seq $seq', async ({ name, seq }) => {
    const ls = lines('export.full');
    CASES[name]!(ls);
    const report: VerifyReport = await verify(ls.map((l) => JSON.stringify(l)));
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq ?? null).toBe(seq);
  });
});
