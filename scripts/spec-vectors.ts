/**
 * Writes the test vectors of docs/record.md (Appendix A) from the shared code and three fixed test keys:
 * a small record of one link (two operators, a flash message and its acknowledgement, an alert and its
 * acknowledgement, a line check one post missed and the line fault it raised), its signed actions and
 * signing inputs, two server checkpoints and two exports.
 *   npm run -s spec-vectors            rewrites the vector blocks of docs/record.md in place
 * The keys come from the document (they are created once, when it has none). ECDSA signatures are
 * randomized, so a signature already in the document is kept while it still verifies over the same
 * input: a rerun changes nothing unless the encoding changed. test/unit/spec-vectors.test.ts checks the
 * document against the code.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GENESIS_HASH,
  canonicalize,
  TRUSTED_KEYS_FORMAT,
  checkpointInput,
  cosignInput,
  entryHashInput,
  makeAlertId,
  signingInput,
  toBase64Url,
  withSignedDefaults,
  type Checkpoint,
  type CosignatureShape,
  type SignedAct,
  type TrustedKeysFile,
} from '@hotline/shared';
import { parseVectorBlocks, replaceVectorBlocks } from './lib/spec-vectors.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/record.md');
const doc = readFileSync(DOC, 'utf8');
const blocks = parseVectorBlocks(doc);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const json = (v: unknown) => JSON.stringify(v, null, 2);

// --- keys --------------------------------------------------------------------------------------------

interface TestKey {
  keyId: string;
  publicKey: string;
  privateKey: KeyObject;
  privateJwk: JsonWebKey;
}

function testKey(name: string): TestKey {
  const stored = blocks.get(`key.${name}`);
  let privateKey: KeyObject;
  if (stored && stored.body.trim()) {
    privateKey = createPrivateKey({ key: (JSON.parse(stored.body) as { privateJwk: JsonWebKey }).privateJwk, format: 'jwk' });
  } else {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    keyId: createHash('sha256').update(spki).digest('hex').slice(0, 32),
    publicKey: toBase64Url(spki),
    privateKey,
    privateJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d },
  };
}

const north = testKey('op-n-kharlan');
const south = testKey('op-s-kharlan');
const server = testKey('server');

// Signatures already in the document are kept while they still verify over the same input: entries'
// by seq, checkpoints by their input.
const previous = new Map<string, string>();
const previousEntrySigs = new Map<number, string>();
for (const line of blocks.get('export.full')?.body.split('\n') ?? []) {
  if (!line.trim()) continue;
  const r = JSON.parse(line) as { kind: string; checkpoint?: Checkpoint; cosignatures?: CosignatureShape[]; entry?: { seq: number; sig?: { value: string } } };
  if (r.kind === 'checkpoint' && r.checkpoint) previous.set(checkpointInput(r.checkpoint), r.checkpoint.sig);
  for (const c of r.cosignatures ?? []) previous.set(cosignInput(c), c.sig.value);
  if (r.kind === 'entry' && r.entry?.sig) previousEntrySigs.set(r.entry.seq, r.entry.sig.value);
}

function signWith(key: TestKey, input: string, kept?: string): string {
  const publicKey = createPublicKey(key.privateKey);
  for (const candidate of [kept, previous.get(input)]) {
    if (candidate && verify('sha256', Buffer.from(input, 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(candidate, 'base64url'))) {
      return candidate;
    }
  }
  return toBase64Url(sign('sha256', Buffer.from(input, 'utf8'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }));
}

// --- the record ----------------------------------------------------------------------------------------

const LINK = 'kharlan-pass';
const N = { userId: 'op-n-kharlan', role: 'operator', postId: 'n-kharlan' } as const;
const S = { userId: 'op-s-kharlan', role: 'operator', postId: 's-kharlan' } as const;
const SYSTEM = { userId: 'system', role: 'system', postId: null } as const;
const T = Date.UTC(2026, 2, 14, 3, 58, 0); // 2026-03-14T03:58:00Z
const SLOT = Date.UTC(2026, 2, 14, 4, 0, 0); // 09:00 in Asia/Karachi
const CHECK = `LC-${LINK}-${SLOT}`;
const HOUR = 3_600_000;

type Entry = Record<string, unknown> & { seq: number; hash: string; ts: number; type: string };
const entries: Entry[] = [];
const requests = new Map<string, { act: SignedAct; userId: string; request: Record<string, unknown>; input: string }>();

function append(ts: number, body: Record<string, unknown>): Entry {
  const prev = entries[entries.length - 1];
  const e = { linkId: LINK, ...body, seq: entries.length + 1, ts, prevHash: prev ? prev.hash : GENESIS_HASH } as Record<string, unknown>;
  const sealed = { ...e, hash: sha256(entryHashInput(e)) } as Entry;
  entries.push(sealed);
  return sealed;
}

/** A signed request as the client sends it, and the entry body it becomes. */
function signed(name: string, key: TestKey, act: SignedAct, userId: string, request: Record<string, unknown>, seq: number) {
  const input = signingInput(act, userId, withSignedDefaults(act, request));
  const value = signWith(key, input, previousEntrySigs.get(seq));
  const sig = { keyId: key.keyId, value };
  requests.set(name, { act, userId, request: { ...request, sig }, input });
  return sig;
}

function keyRegistration(name: string, key: TestKey, actor: typeof N | typeof S, validFrom: number, validUntil: number, ts: number) {
  const fields = { keyId: key.keyId, publicKey: key.publicKey, validUntil };
  const input = signingInput('key:register', actor.userId, fields);
  const value = signWith(key, input, previousEntrySigs.get(entries.length + 1));
  requests.set(name, { act: 'key:register', userId: actor.userId, request: { publicKey: key.publicKey, validUntil, sig: { keyId: key.keyId, value } }, input });
  return append(ts, {
    type: 'key.registered',
    actor,
    drill: false,
    payload: { keyId: key.keyId, alg: 'ES256', publicKey: key.publicKey, validFrom, validUntil },
    sig: { keyId: key.keyId, value },
  });
}

// 1-2: the north operator's first signed action on the link brings its key entry with it.
const tMsg = T;
keyRegistration('key-register', north, N, T - 95_000, T - 95_000 + 12 * HOUR, tMsg);
const msgText = 'FLASH: firing heard east of pillar 41. فائرنگ کی آواز، ستون 41 کے مشرق میں';
const msgSig = signed('send', north, 'hotline:send', N.userId, { linkId: LINK, clientMsgId: 'm-7f3a9c2e41b0d5a8', text: msgText, precedence: 'flash' }, 2);
const message = append(tMsg, {
  type: 'message',
  actor: N,
  drill: false,
  payload: { clientMsgId: 'm-7f3a9c2e41b0d5a8', text: msgText, precedence: 'flash' },
  sig: msgSig,
});

// 3-4: the south operator acknowledges the flash message (hotline:ack), quoting its hash.
const tAck = T + 41_250;
keyRegistration('key-register.south', south, S, T - 80_000, T - 80_000 + 12 * HOUR, tAck);
const ackSig = signed('ack', south, 'hotline:ack', S.userId, { linkId: LINK, seq: message.seq, quotedHash: message.hash }, 4);
append(tAck, { type: 'receipt', actor: S, drill: false, payload: { kind: 'ack', postId: 's-kharlan', uptoSeq: message.seq, uptoHash: message.hash }, sig: ackSig });

// 5: the north post raises an alert.
const tRaise = T + 62_480;
const raiseFields = {
  linkId: LINK,
  clientAlertId: 'a-51c0e8d2b7f94a36',
  kind: 'small-arms-fire',
  severity: 3,
  description: 'Small-arms fire from the ridge east of pillar 41',
  location: { lat: 34.465, lon: 70.12, label: 'Pillar 41' },
  occurredAt: T + 55_000,
};
const raiseSig = signed('raise', north, 'alert:raise', N.userId, raiseFields, 5);
const raised = append(tRaise, {
  type: 'alert.raised',
  actor: N,
  drill: false,
  payload: {
    alertId: makeAlertId(LINK, 5),
    clientAlertId: raiseFields.clientAlertId,
    kind: raiseFields.kind,
    severity: raiseFields.severity,
    description: raiseFields.description,
    location: raiseFields.location,
    occurredAt: raiseFields.occurredAt,
    policyId: 'standard',
    counterpartOnline: true,
    nextEscalationAt: tRaise + 120_000,
  },
  sig: raiseSig,
});

// 6: the south post acknowledges it, quoting the hash of the alert.raised entry.
const tAlertAck = T + 80_120;
const alertAckText = 'Seen. Our patrol is moving to pillar 41.';
const alertAckSig = signed('alert-ack', south, 'alert:ack', S.userId, { alertId: makeAlertId(LINK, 5), quotedHash: raised.hash, text: alertAckText }, 6);
append(tAlertAck, {
  type: 'alert.acknowledged',
  actor: S,
  drill: false,
  payload: { alertId: makeAlertId(LINK, 5), text: alertAckText, quotedHash: raised.hash },
  sig: alertAckSig,
});
const checkpointA = { linkId: LINK, seq: 6, hash: entries[5]!.hash, ts: tAlertAck + 17_880 };

// 7-10: the 09:00 line check; the south post answers, the north post does not.
const tStart = SLOT + 12;
const started = append(tStart, {
  type: 'linecheck.started',
  actor: SYSTEM,
  drill: false,
  payload: { checkId: CHECK, slotAt: SLOT, late: false, missedSlots: 0, windowEndsAt: tStart + 300_000, posts: ['n-kharlan', 's-kharlan'] },
});
const tAnswer = tStart + 30_500;
const answerSig = signed('answer', south, 'linecheck:answer', S.userId, { linkId: LINK, checkId: CHECK, quotedHash: started.hash }, 8);
append(tAnswer, { type: 'linecheck.answered', actor: S, drill: false, payload: { checkId: CHECK, postId: 's-kharlan', quotedHash: started.hash }, sig: answerSig });
const tClose = tStart + 300_000 + 35;
const faultId = makeAlertId(LINK, 10);
append(tClose, { type: 'linecheck.closed', actor: SYSTEM, drill: false, payload: { checkId: CHECK, answered: ['s-kharlan'], missed: ['n-kharlan'], alertId: faultId } });
const fault = append(tClose, {
  type: 'alert.raised',
  actor: SYSTEM,
  drill: false,
  payload: {
    alertId: faultId,
    clientAlertId: `sys-${CHECK}`,
    kind: 'line-fault',
    severity: 2,
    description: `Line check ${new Date(SLOT).toISOString()} not answered by Kharlan Pass North Post`,
    policyId: 'line-fault',
    counterpartOnline: true,
    nextEscalationAt: tClose + 120_000,
    lineCheckId: CHECK,
  },
});

// 11: the north post acknowledges the line fault; 12: the south post's console has read everything.
const tFaultAck = tClose + 95_300;
const faultAckSig = signed('fault-ack', north, 'alert:ack', N.userId, { alertId: faultId, quotedHash: fault.hash }, 11);
const faultAck = append(tFaultAck, { type: 'alert.acknowledged', actor: N, drill: false, payload: { alertId: faultId, quotedHash: fault.hash }, sig: faultAckSig });
const readSig = signed('read', south, 'hotline:read', S.userId, { linkId: LINK, uptoSeq: faultAck.seq, uptoHash: faultAck.hash }, 12);
const last = append(tFaultAck + 4_000, { type: 'receipt', actor: S, drill: false, payload: { kind: 'read', postId: 's-kharlan', uptoSeq: faultAck.seq, uptoHash: faultAck.hash }, sig: readSig });
const checkpointB = { linkId: LINK, seq: last.seq, hash: last.hash, ts: last.ts + 21_000 };

const checkpoints: Checkpoint[] = [checkpointA, checkpointB].map((cp) => ({ ...cp, keyId: server.keyId, sig: signWith(server, checkpointInput(cp)) }));
const serverKey = { keyId: server.keyId, alg: 'ES256', publicKey: server.publicKey };

// Both sides' operators cosign the first checkpoint (seq 6); nobody has cosigned the second yet, so
// entries 7 to 12 are covered by the server's checkpoint alone.
const registered = (key: TestKey) => entries.find((e) => e.type === 'key.registered' && (e.payload as { keyId: string }).keyId === key.keyId)!.payload as {
  validFrom: number;
  validUntil: number;
};
function cosignature(key: TestKey, userId: string, side: string, cp: Checkpoint, ts: number): CosignatureShape {
  const fields = { userId, linkId: cp.linkId, seq: cp.seq, hash: cp.hash, side };
  const { validFrom, validUntil } = registered(key);
  return {
    linkId: cp.linkId,
    seq: cp.seq,
    hash: cp.hash,
    side,
    userId,
    ts,
    key: { keyId: key.keyId, publicKey: key.publicKey, validFrom, validUntil },
    sig: { keyId: key.keyId, value: signWith(key, cosignInput(fields)) },
  };
}
const cosignatures = new Map<number, CosignatureShape[]>([
  [checkpoints[0]!.seq, [cosignature(north, N.userId, 'north', checkpoints[0]!, checkpoints[0]!.ts + 1_150), cosignature(south, S.userId, 'south', checkpoints[0]!, checkpoints[0]!.ts + 2_310)]],
]);
function trustedKeys(side: string, key: TestKey, userId: string): TrustedKeysFile {
  const { validFrom, validUntil } = registered(key);
  return { format: TRUSTED_KEYS_FORMAT, side, exportedAt: last.ts + HOUR, keys: [{ keyId: key.keyId, userId, publicKey: key.publicKey, validFrom, validUntil }] };
}

// --- exports -------------------------------------------------------------------------------------------

function exportLines(fromSeq: number): string[] {
  const toSeq = last.seq;
  const lines: unknown[] = [
    {
      kind: 'header',
      format: 'hotline-export/1',
      linkId: LINK,
      link: { id: LINK, name: 'Kharlan Pass', posts: ['n-kharlan', 's-kharlan'] },
      posts: [
        { id: 'n-kharlan', side: 'north', name: 'Kharlan Pass North Post' },
        { id: 's-kharlan', side: 'south', name: 'Kharlan Pass South Post' },
      ],
      sides: [
        { id: 'north', name: 'Northern Republic Frontier Force' },
        { id: 'south', name: 'Southern Union Border Corps' },
      ],
      exportedAt: last.ts + HOUR,
      exportedBy: 'monitor',
      range: { fromSeq, toSeq, from: null, to: null },
      head: { seq: last.seq, hash: last.hash },
      serverKey,
    },
  ];
  if (fromSeq > 1) lines.push({ kind: 'anchor', seq: fromSeq - 1, hash: entries[fromSeq - 2]!.hash });
  for (const e of entries) if (e.type === 'key.registered' && e.seq < fromSeq) lines.push({ kind: 'key', entry: e });
  for (const cp of checkpoints) {
    const cos = cosignatures.get(cp.seq);
    if (cp.seq >= fromSeq && cp.seq <= toSeq) lines.push(cos ? { kind: 'checkpoint', checkpoint: cp, cosignatures: cos } : { kind: 'checkpoint', checkpoint: cp });
  }
  const inRange = entries.filter((e) => e.seq >= fromSeq && e.seq <= toSeq);
  for (const e of inRange) lines.push({ kind: 'entry', entry: e });
  lines.push({ kind: 'end', entries: inRange.length, last: { seq: last.seq, hash: last.hash } });
  return lines.map((l) => JSON.stringify(l));
}

// --- canonical JSON --------------------------------------------------------------------------------------

const canonicalInput = blocks.get('canonical.input')?.body;
if (!canonicalInput) throw new Error('docs/record.md has no canonical.input block to encode');

// --- write -----------------------------------------------------------------------------------------------

const out = new Map<string, string>();
const keyBlock = (k: TestKey, extra: Record<string, unknown>) => json({ ...extra, keyId: k.keyId, publicKey: k.publicKey, privateJwk: k.privateJwk });
out.set('key.op-n-kharlan', keyBlock(north, { userId: N.userId }));
out.set('key.op-s-kharlan', keyBlock(south, { userId: S.userId }));
out.set('key.server', keyBlock(server, { alg: 'ES256' }));
out.set('server-key', json(serverKey));
out.set('canonical.output', canonicalize(JSON.parse(canonicalInput)));
for (const name of ['key-register', 'send', 'ack', 'raise', 'alert-ack', 'answer', 'read']) {
  const r = requests.get(name)!;
  out.set(`${name}.request`, json(r.request));
  out.set(`${name}.input`, r.input);
}
out.set('entry.message', json(message));
out.set('entry.message.hash-input', entryHashInput(message));
out.set('entry.message.hash', message.hash);
const { sig: _sig, ...cpA } = checkpoints[0]!;
out.set('checkpoint', json(checkpoints[0]));
out.set('checkpoint.input', checkpointInput(cpA));
const southCosign = cosignatures.get(6)![1]!;
out.set('cosign.request', json({ linkId: southCosign.linkId, seq: southCosign.seq, hash: southCosign.hash, side: southCosign.side, sig: southCosign.sig }));
out.set('cosign.input', cosignInput(southCosign));
out.set('cosignature', json(southCosign));
out.set('trusted-keys.north', json(trustedKeys('north', north, N.userId)));
out.set('trusted-keys.south', json(trustedKeys('south', south, S.userId)));
out.set('export.full', exportLines(1).join('\n'));
out.set('export.range', exportLines(5).join('\n'));

writeFileSync(DOC, replaceVectorBlocks(doc, out));
process.stdout.write(`${out.size} vector blocks written to ${path.relative(process.cwd(), DOC)}\n`);
