import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { actionOfEntry, checkpointInput, cosignInput, entryHashInput, signingInput, type Checkpoint, type CosignatureShape } from '@hotline/shared';

/**
 * A forger who holds the server and its store: rewrites a link export as a host could, with keys of
 * its own. It registers its own key for every user (key.registered entries: rewritten in place when the
 * forgery starts at seq 1, added at the start of the rewritten part otherwise), re-signs every user
 * action with them, requotes every quoted hash, recomputes the chain, re-signs every checkpoint with its
 * own server key and names that key in the header. Only what it cannot make is left: the sides'
 * cosignatures (kept as they were, or replaced with cosignatures by its own keys).
 */
export type Line = Record<string, unknown> & { kind: string };
export type ForgedEntry = Record<string, unknown> & {
  seq: number;
  type: string;
  ts: number;
  hash: string;
  prevHash: string;
  linkId: string;
  drill: boolean;
  actor: { userId: string; role: string; postId: string | null };
  payload: Record<string, unknown>;
  sig?: { keyId: string; value: string };
};

interface ForgerKey {
  privateKey: KeyObject;
  publicKey: string;
  keyId: string;
}

export function forgerKey(): ForgerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.toString('base64url'), keyId: createHash('sha256').update(spki).digest('hex').slice(0, 32) };
}

const signWith = (key: ForgerKey, input: string) => sign('sha256', Buffer.from(input, 'utf8'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export interface ForgeOptions {
  /** The first seq rewritten: everything before it is kept as it is. */
  from: number;
  /** Changes the entries from `from` on (already copied; mutate them, or return a new list). */
  edit: (tail: ForgedEntry[]) => ForgedEntry[] | void;
  /** Replace the sides' cosignatures with cosignatures by the forger's own keys (else they stay as they were). */
  forgeCosignatures?: boolean;
}

export function forge(original: readonly Line[], options: ForgeOptions): Line[] {
  const ls = JSON.parse(JSON.stringify(original)) as Line[];
  const header = ls[0]!;
  const entries = ls.filter((l) => l.kind === 'entry').map((l) => l.entry as ForgedEntry);
  const prefix = entries.filter((e) => e.seq < options.from);
  let tail = entries.filter((e) => e.seq >= options.from);
  const server = forgerKey();
  const userKeys = new Map<string, ForgerKey>();
  const keyOf = (userId: string) => {
    let k = userKeys.get(userId);
    if (!k) userKeys.set(userId, (k = forgerKey()));
    return k;
  };
  const users = new Map<string, ForgedEntry['actor']>();
  for (const e of entries) if (e.actor.role !== 'system') users.set(e.actor.userId, e.actor);
  const oldSeqOf = new Map<ForgedEntry, number>(tail.map((e) => [e, e.seq]));
  tail = options.edit(tail) ?? tail;
  const ts0 = tail[0]?.ts ?? prefix[prefix.length - 1]?.ts ?? 0;
  const keyEntry = (actor: ForgedEntry['actor'], ts: number): ForgedEntry => {
    const k = keyOf(actor.userId);
    return { linkId: String(header.linkId), type: 'key.registered', actor, drill: false, payload: { keyId: k.keyId, alg: 'ES256', publicKey: k.publicKey, validFrom: ts - 60_000, validUntil: ts + 86_400_000 }, seq: 0, ts, prevHash: '', hash: '' };
  };
  if (options.from === 1) {
    tail = tail.map((e) => (e.type === 'key.registered' ? keyEntry(e.actor, e.ts) : e));
  } else {
    tail = [...[...users.values()].map((a) => keyEntry(a, ts0)), ...tail];
  }
  // Renumber, requote, re-sign, rechain.
  const newSeq = new Map<number, number>();
  let prev = prefix[prefix.length - 1];
  const hashAt = new Map<number, string>(prefix.map((e) => [e.seq, e.hash]));
  const startedHash = new Map<string, string>();
  for (const e of prefix) if (e.type === 'linecheck.started') startedHash.set(String(e.payload.checkId), e.hash);
  tail.forEach((e, i) => {
    const seq = (prev?.seq ?? 0) + 1 + 0 * i;
    const old = oldSeqOf.get(e);
    if (old !== undefined) newSeq.set(old, seq);
    e.seq = seq;
    prev = e;
  });
  const mapSeq = (s: number) => newSeq.get(s) ?? s;
  const mapAlert = (id: unknown) => (typeof id === 'string' ? id.replace(/-(\d+)$/, (_m, n: string) => `-${mapSeq(Number(n))}`) : id);
  prev = prefix[prefix.length - 1];
  for (const e of tail) {
    const p = e.payload;
    if (typeof p.alertId === 'string') p.alertId = mapAlert(p.alertId);
    if (e.type === 'receipt') {
      p.uptoSeq = mapSeq(Number(p.uptoSeq));
      p.uptoHash = hashAt.get(Number(p.uptoSeq));
    }
    if (e.type === 'alert.acknowledged' && typeof p.quotedHash === 'string') p.quotedHash = hashAt.get(Number(/-(\d+)$/.exec(String(p.alertId))![1]));
    if (e.type === 'linecheck.answered') p.quotedHash = startedHash.get(String(p.checkId));
    if (e.type === 'key.registered') {
      const k = keyOf(e.actor.userId);
      e.sig = { keyId: k.keyId, value: signWith(k, signingInput('key:register', e.actor.userId, { keyId: k.keyId, publicKey: k.publicKey, validUntil: p.validUntil })) };
    } else if (e.sig) {
      const action = actionOfEntry(e)!;
      const k = keyOf(e.actor.userId);
      e.sig = { keyId: k.keyId, value: signWith(k, signingInput(action.act, e.actor.userId, action.fields)) };
    }
    e.prevHash = prev ? prev.hash : '0'.repeat(64);
    const { hash: _h, ...rest } = e;
    e.hash = sha256(entryHashInput(rest));
    hashAt.set(e.seq, e.hash);
    if (e.type === 'linecheck.started') startedHash.set(String(p.checkId), e.hash);
    prev = e;
  }
  const all = [...prefix, ...tail];
  // Checkpoints: at their entries' new seqs and hashes, signed by the forger's server key.
  const out: Line[] = [{ ...header, serverKey: { keyId: server.keyId, alg: 'ES256', publicKey: server.publicKey }, head: { seq: prev!.seq, hash: prev!.hash } }];
  for (const l of ls) {
    if (l.kind === 'anchor' || l.kind === 'key' || l.kind === 'policy') out.push(l);
    if (l.kind !== 'checkpoint') continue;
    const cp = l.checkpoint as Checkpoint;
    const seq = mapSeq(cp.seq);
    const body = { linkId: cp.linkId, seq, hash: hashAt.get(seq)!, ts: cp.ts };
    const line: Line = { kind: 'checkpoint', checkpoint: { ...body, keyId: server.keyId, sig: signWith(server, checkpointInput(body)) } };
    const cosigs = l.cosignatures as CosignatureShape[] | undefined;
    if (cosigs && options.forgeCosignatures) {
      line.cosignatures = cosigs.map((c) => {
        const k = keyOf(c.userId);
        const forged = { ...c, seq, hash: body.hash, key: { ...c.key, keyId: k.keyId, publicKey: k.publicKey } };
        return { ...forged, sig: { keyId: k.keyId, value: signWith(k, cosignInput(forged)) } };
      });
    } else if (cosigs) {
      line.cosignatures = cosigs;
    }
    out.push(line);
  }
  for (const e of all) if (e.seq >= (all[0]?.seq ?? 1) && ls.some((l) => l.kind === 'entry')) out.push({ kind: 'entry', entry: e });
  out.push({ kind: 'end', entries: all.length, last: { seq: prev!.seq, hash: prev!.hash } });
  return out;
}

/** Removes the cosignatures from every checkpoint line. */
export function withoutCosignatures(ls: readonly Line[]): Line[] {
  return ls.map((l) => {
    if (l.kind !== 'checkpoint') return l;
    const { cosignatures: _c, ...rest } = l;
    return rest as Line;
  });
}

/** Recomputes prevHash and hash of every entry from `fromSeq` on (a forger who edits in place). */
export function rechain(ls: Line[], fromSeq: number): void {
  let prev: string | undefined;
  for (const l of ls) {
    if (l.kind !== 'entry') continue;
    const e = l.entry as ForgedEntry;
    if (e.seq >= fromSeq) {
      if (prev !== undefined) e.prevHash = prev;
      const { hash: _old, ...rest } = e;
      e.hash = sha256(entryHashInput(rest));
    }
    prev = e.hash;
  }
}
