import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseTrustedKeys, verifyExport, type VerifyOptions } from '@hotline/shared';
import { nodeVerifyCrypto } from '../../scripts/lib/node-verify-crypto.js';
import { parseVectorBlocks } from '../../scripts/lib/spec-vectors.js';
import { forge, rechain, withoutCosignatures, type ForgedEntry, type Line } from '../helpers/forge.js';
import { ROOT } from '../helpers/server.js';

/**
 * The verifier against a host that rewrites history with keys of its own (docs/record.md §9, §10), on
 * the record of the specification's vectors: both sides cosigned checkpoint 6 of it, nobody checkpoint 12.
 */

const blocks = parseVectorBlocks(readFileSync(path.join(ROOT, 'docs/record.md'), 'utf8'));
const body = (name: string) => blocks.get(name)!.body;
const exportLines = () => body('export.full').split('\n').map((l) => JSON.parse(l) as Line);
const trusted = ['north', 'south'].map((side) => parseTrustedKeys(body(`trusted-keys.${side}`)));
const crypto = nodeVerifyCrypto();
const verify = (ls: readonly Line[], options: VerifyOptions = {}) => verifyExport(ls.map((l) => JSON.stringify(l)), crypto, options);
const entryIn = (ls: Line[], seq: number) => ls.find((l) => l.kind === 'entry' && (l.entry as ForgedEntry).seq === seq)!.entry as ForgedEntry;

/** The whole history rewritten: the flash message of seq 2 says something else. */
const fullForgery = (forgeCosignatures = false) =>
  forge(exportLines(), {
    from: 1,
    forgeCosignatures,
    edit: (tail) => {
      tail.find((e) => e.seq === 2)!.payload.text = 'ROUTINE: all quiet at pillar 41';
    },
  });

/** Only the part after the last cosigned checkpoint (6) rewritten: the north post never acknowledged the line fault. */
const tailForgery = () =>
  forge(exportLines(), {
    from: 7,
    edit: (tail) => tail.filter((e) => !(e.type === 'alert.acknowledged' && e.actor.userId === 'op-n-kharlan')),
  });

describe('cosigned checkpoints against a host that holds the server key', () => {
  it('the genuine export: intact, checkpoint 6 cosigned by both sides with pinned keys, 7..12 not covered', async () => {
    const report = await verify(exportLines(), { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.cosigned.map((c) => [c.seq, c.sides.map((s) => `${s.side}:${String(s.pinned)}`)])).toEqual([[6, ['north:true', 'south:true']]]);
    expect(report.coverage?.notCovered).toEqual({ fromSeq: 7, toSeq: 12 });
    expect(report.trust.cosigningKeys.map((k) => k.keyId).sort()).toEqual(trusted.map((t) => t.keys[0]!.keyId).sort());
  });

  it('the full forgery is complete: without the cosignatures nothing else in the export catches it', async () => {
    const report = await verify(withoutCosignatures(fullForgery()));
    expect(report.firstBad).toBeNull();
    expect(report.ok).toBe(true);
    expect(entryIn(fullForgery(), 2).payload.text).toBe('ROUTINE: all quiet at pillar 41');
  });

  it('the full forgery (own user keys, own server key, chain and checkpoints recomputed) is refused, naming the checkpoint both sides cosigned', async () => {
    const report = await verify(fullForgery(), { trustedKeys: trusted });
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(6);
    expect(report.firstBad?.reason).toMatch(/^checkpoint 6 contradicts what side north \(op-n-kharlan, key [0-9a-f]{32}, pinned\) cosigned/);
    // Without trusted keys the genuine cosignature still contradicts the forged checkpoint.
    expect((await verify(fullForgery())).firstBad?.seq).toBe(6);
  });

  it('a full forgery that replaces the cosignatures with its own: not pinned, not counted, nothing covered', async () => {
    const report = await verify(fullForgery(true), { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.cosigned[0]?.sides.map((s) => s.pinned)).toEqual([false, false]);
    expect(report.coverage).toMatchObject({ lastCovered: null, notCovered: { fromSeq: 1, toSeq: 12 } });
  });

  it('the forged tail after the last cosigned checkpoint is reported as not covered by any cosignature', async () => {
    const forged = tailForgery();
    expect(forged.filter((l) => l.kind === 'entry').map((l) => (l.entry as ForgedEntry).type)).toContain('key.registered');
    const report = await verify(forged, { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.coverage?.lastCoveredByAllSides).toBe(6);
    expect(report.coverage?.notCovered).toEqual({ fromSeq: 7, toSeq: report.head!.seq });
  });

  it('a cosignature that does not verify, or one moved to another checkpoint, is refused', async () => {
    const ls = exportLines();
    const line = ls.find((l) => l.kind === 'checkpoint')!;
    const [north, south] = line.cosignatures as { sig: { value: string } }[];
    north!.sig.value = south!.sig.value;
    expect((await verify(ls)).firstBad).toMatchObject({ seq: 6, reason: expect.stringContaining('does not verify') as unknown });
    const moved = exportLines();
    const [a, b] = moved.filter((l) => l.kind === 'checkpoint');
    b!.cosignatures = a!.cosignatures;
    expect((await verify(moved)).firstBad).toMatchObject({ seq: 12, reason: expect.stringContaining('another checkpoint') as unknown });
  });

  it('a key pinned for one side cosigning as the other is refused', async () => {
    const ls = exportLines();
    const swapped = [{ ...trusted[0]!, keys: trusted[1]!.keys }, { ...trusted[1]!, keys: trusted[0]!.keys }];
    expect((await verify(ls, { trustedKeys: swapped })).firstBad?.reason).toMatch(/pinned for side/);
  });
});

describe('strict by default', () => {
  /**
   * The newest user action (the south post's read receipt, seq 12) loses its signature and now says the
   * post read only up to seq 10; the chain is recomputed and the checkpoint of seq 12 left out.
   */
  function stripped(): Line[] {
    const ls = exportLines().filter((l) => !(l.kind === 'checkpoint' && (l.checkpoint as { seq: number }).seq === 12));
    const e = entryIn(ls, 12);
    delete e.sig;
    e.payload.uptoSeq = 10;
    e.payload.uptoHash = entryIn(ls, 10).hash;
    rechain(ls, 12);
    return ls;
  }

  it('refuses the stripped-signature forgery: the record never relaxed its signature policy', async () => {
    const report = await verify(stripped());
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: 12, reason: expect.stringContaining("the record's signature policy requires it") as unknown });
  });

  it('lenient accepts it, and says how many unsigned actions it let through', async () => {
    const report = await verify(stripped(), { signatures: 'lenient' });
    expect(report.ok).toBe(true);
    expect(report.signatures).toMatchObject({ mode: 'lenient', lenientUnsigned: 1 });
  });

  it('npm run verify: strict by default, --lenient printed, the keys the verdict rests on printed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-'));
    const file = path.join(dir, 'stripped.ndjson');
    writeFileSync(file, `${stripped().map((l) => JSON.stringify(l)).join('\n')}\n`);
    const run = promisify(execFile);
    const cli = (args: string[]) =>
      run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'scripts/verify.ts'), ...args], { cwd: ROOT }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
      );
    const strict = await cli([file]);
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('NOT INTACT');
    expect(strict.out).toMatch(/first bad: seq 12 .*not signed/);
    const lenient = await cli([file, '--lenient']);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain('INTACT');
    expect(lenient.out).toMatch(/signatures: LENIENT \(--lenient\).*1 of them had to be signed/);

    const north = path.join(dir, 'north.json');
    const south = path.join(dir, 'south.json');
    writeFileSync(north, body('trusted-keys.north'));
    writeFileSync(south, body('trusted-keys.south'));
    const genuine = path.join(dir, 'genuine.ndjson');
    writeFileSync(genuine, `${body('export.full')}\n`);
    const ok = await cli([genuine, '--trusted-keys', north, '--trusted-keys', south]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/checkpoint 6 cosigned by north \(op-n-kharlan, key [0-9a-f]{32}, pinned\), south \(op-s-kharlan, key [0-9a-f]{32}, pinned\)/);
    expect(ok.out).toContain('entries 7..12 are NOT covered by any pinned cosignature');
    expect(ok.out).toMatch(/verdict rests on: server key [0-9a-f]{32} \(not pinned\)/);
    const forged = path.join(dir, 'forged.ndjson');
    writeFileSync(forged, `${fullForgery().map((l) => JSON.stringify(l)).join('\n')}\n`);
    const refused = await cli([forged, '--trusted-keys', north, '--trusted-keys', south]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/first bad: seq 6 .*checkpoint 6 contradicts what side north/);
  }, 60_000);
});
