import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  AppError,
  ErrorCode,
  fromBase64Url,
  signingInput,
  type Entry,
  type EntryDraft,
  type KeyRegisterResult,
  type Sig,
  type SignedAct,
} from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { KeyRecord, KeyRegistry } from '../store/key-registry.js';
import type {
  AppendOutcome,
  AppendPlan,
  EntrySlot,
  FieldRead,
  IdempotentAppendOutcome,
  IdempotentAppendPlan,
  LinkLog,
  Snapshot,
} from '../store/link-log.js';
import type { SignaturePolicyStore } from '../store/policy-store.js';
import type { Broadcaster } from './broadcaster.js';

/** keyId of an SPKI public key: the first 16 bytes of its SHA-256, hex. */
export function keyIdOf(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex').slice(0, 32);
}

/** Imports a base64url SPKI P-256 public key, or throws VALIDATION_FAILED. */
export function importP256(publicKey: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(fromBase64Url(publicKey)), format: 'der', type: 'spki' });
  } catch {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'publicKey is not a valid SPKI public key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'publicKey must be an ECDSA P-256 key');
  }
  return key;
}

export function verifyP256(key: KeyObject, input: string, signature: string): boolean {
  try {
    return verify('sha256', Buffer.from(input, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(fromBase64Url(signature)));
  } catch {
    return false;
  }
}

const badSignature = (reason: string, message: string) => new AppError(ErrorCode.BAD_SIGNATURE, message, { details: { reason } });

/**
 * Registers users' signing keys and checks the signature of every action. With signatures required
 * (the default), an unsigned action is SIGNATURE_REQUIRED; a signature by an unknown, expired or other
 * user's key, or one that does not verify, is BAD_SIGNATURE. Keys are copied into each link log they
 * sign on (a key.registered entry) before their first signed entry there, so every export carries the
 * keys that verify it.
 */
export class SignatureService {
  readonly #registry: KeyRegistry;
  readonly #log: LinkLog;
  readonly #broadcast: Broadcaster;
  readonly required: boolean;
  readonly #imported = new Map<string, { record: KeyRecord; key: KeyObject }>();
  readonly #onLink = new Set<string>();

  readonly #policies: SignaturePolicyStore;
  /** Per link: until when this node takes the log's recorded policy to be this deployment's. */
  readonly #policySeen = new Map<string, number>();
  static readonly POLICY_RECHECK_MS = 60_000;

  constructor(deps: { registry: KeyRegistry; log: LinkLog; broadcaster: Broadcaster; required: boolean; policies: SignaturePolicyStore }) {
    this.#policies = deps.policies;
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#broadcast = deps.broadcaster;
    this.required = deps.required;
  }

  /** key:register: stores the caller's public key after checking the proof of possession. */
  async register(principal: Principal, req: { publicKey: string; validUntil: number; sig: Sig }): Promise<KeyRegisterResult> {
    const key = importP256(req.publicKey);
    const keyId = keyIdOf(fromBase64Url(req.publicKey));
    if (req.sig.keyId !== keyId) throw badSignature('bad-signature', 'sig.keyId is not the id of this public key');
    const now = Date.now();
    if (req.validUntil <= now) throw new AppError(ErrorCode.VALIDATION_FAILED, 'validUntil is in the past');
    if (req.validUntil > principal.expiresAt + 60_000) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'validUntil must not be later than the token expiry');
    }
    const input = signingInput('key:register', principal.userId, { keyId, publicKey: req.publicKey, validUntil: req.validUntil });
    if (!verifyP256(key, input, req.sig.value)) throw badSignature('bad-signature', 'the registration is not signed by this key');
    const record = await this.#registry.register({
      keyId,
      userId: principal.userId,
      alg: 'ES256',
      publicKey: req.publicKey,
      validFrom: now,
      validUntil: req.validUntil,
      proof: req.sig.value,
      ...(principal.sessionId ? { sessionId: principal.sessionId } : {}),
    });
    return { keyId: record.keyId, validFrom: record.validFrom, validUntil: record.validUntil };
  }

  /** Drops a key from this node's cache (it was revoked: the next check reads the revocation). */
  forget(userId: string, keyId: string): void {
    this.#imported.delete(`${userId}/${keyId}`);
  }

  async #key(userId: string, keyId: string): Promise<{ record: KeyRecord; key: KeyObject } | null> {
    const cached = this.#imported.get(`${userId}/${keyId}`);
    if (cached) return cached;
    const record = await this.#registry.get(userId, keyId);
    if (!record) return null;
    const entry = { record, key: importP256(record.publicKey) };
    this.#imported.set(`${userId}/${keyId}`, entry);
    return entry;
  }

  /**
   * Checks the signature of an action by `principal`. Returns the key record, or null for an unsigned
   * action where signatures are optional.
   */
  async check(principal: Principal, act: SignedAct, fields: Record<string, unknown>, sig: Sig | undefined): Promise<Signing | null> {
    if (!sig) {
      if (this.required) throw new AppError(ErrorCode.SIGNATURE_REQUIRED, `${act} must be signed by a registered key (key:register first)`);
      return null;
    }
    const found = await this.#key(principal.userId, sig.keyId);
    if (!found) throw badSignature('unknown-key', `key ${sig.keyId} is not registered for ${principal.userId}`);
    const now = Date.now();
    if (found.record.revokedAt !== undefined && now >= found.record.revokedAt) {
      throw badSignature('key-revoked', `key ${sig.keyId} was revoked at ${new Date(found.record.revokedAt).toISOString()}`);
    }
    if (now < found.record.validFrom || now > found.record.validUntil) {
      throw badSignature('key-expired', `key ${sig.keyId} is valid from ${new Date(found.record.validFrom).toISOString()} to ${new Date(found.record.validUntil).toISOString()}`);
    }
    if (!verifyP256(found.key, signingInput(act, principal.userId, fields), sig.value)) {
      throw badSignature('bad-signature', 'the signature does not match the action');
    }
    return { record: found.record, sig, drill: principal.drillOnly };
  }

  /**
   * Appends through the link log like LinkLog.append, adding what a user action needs: the signature
   * on the entry; when the key is new on this link, its key.registered entry just before it; and when
   * the log last recorded another signature policy than this deployment's (none recorded counts as
   * "required"), a signature.policy entry before those, all in the same atomic step. Nothing is
   * written (no key or policy entry either) when the plan writes nothing or throws.
   */
  append<R>(linkId: string, signing: Signing | null, actor: EntryDraft['actor'], reads: FieldRead[], plan: (snapshot: Snapshot) => AppendPlan<R>): Promise<AppendOutcome<R>> {
    const known = signing !== null && this.#known(linkId, signing);
    const policyRead = !this.#policyKnown(linkId);
    return this.#log
      .append(linkId, this.#reads(linkId, signing, reads, known, policyRead), (snapshot) =>
        this.#decorate(linkId, signing, actor, reads.length, known, policyRead, snapshot, plan),
      )
      .then((o) => this.#appended(linkId, signing, o));
  }

  /** Like append, at most once per idempotency key (LinkLog.appendOnce). */
  appendOnce<R>(
    linkId: string,
    signing: Signing | null,
    actor: EntryDraft['actor'],
    reads: FieldRead[],
    plan: (snapshot: Snapshot) => IdempotentAppendPlan<R>,
  ): Promise<IdempotentAppendOutcome<R>> {
    const known = signing !== null && this.#known(linkId, signing);
    const policyRead = !this.#policyKnown(linkId);
    return this.#log
      .appendOnce(linkId, this.#reads(linkId, signing, reads, known, policyRead), (snapshot) =>
        this.#decorate(linkId, signing, actor, reads.length, known, policyRead, snapshot, plan),
      )
      .then((o) => this.#appended(linkId, signing, o));
  }

  /** This deployment's signature policy, as the record states it. */
  get policy(): 'required' | 'optional' {
    return this.required ? 'required' : 'optional';
  }

  /** Whether this node knows the key to be on the link's record already (then it is not read again). */
  #known(linkId: string, signing: Signing): boolean {
    return this.#onLink.has(`${linkId}/${signing.record.keyId}`);
  }

  /**
   * Whether this node saw, less than POLICY_RECHECK_MS ago, that the link's log records this
   * deployment's policy: then the append skips reading it (and keeps its single round trip on the
   * cached head). Should another node with another policy record its own meanwhile, this node records
   * its policy again at its first append after the recheck.
   */
  #policyKnown(linkId: string): boolean {
    return (this.#policySeen.get(linkId) ?? 0) > Date.now();
  }

  /** The plan's reads, then (unless known) the link's recorded policy, then (a key not known on the link) its registration there. */
  #reads(linkId: string, signing: Signing | null, reads: FieldRead[], known: boolean, policyRead: boolean): FieldRead[] {
    const out = policyRead ? [...reads, this.#policies.read(linkId)] : [...reads];
    if (signing && !known) out.push(this.#registry.readOnLink(linkId, signing.record.keyId));
    return out;
  }

  /** The plan's decision with the signature added, and the policy and key registration before it where the record lacks them. */
  #decorate<P extends AppendPlan<R> | IdempotentAppendPlan<R>, R>(
    linkId: string,
    signing: Signing | null,
    actor: EntryDraft['actor'],
    ownReads: number,
    known: boolean,
    policyRead: boolean,
    snapshot: Snapshot,
    plan: (snapshot: Snapshot) => P,
  ): P {
    const decided = plan({ head: snapshot.head, values: snapshot.values.slice(0, ownReads) });
    if (!decided.write) return decided;
    const policy = this.policy;
    const recorded = policyRead ? (snapshot.values[ownReads] ?? 'required') : policy;
    if (recorded === policy) this.#policySeen.set(linkId, Date.now() + SignatureService.POLICY_RECHECK_MS);
    const policyEntries: EntryDraft[] =
      recorded === policy ? [] : [{ linkId, type: 'signature.policy', actor: { userId: 'system', role: 'system', postId: null }, drill: false, payload: { signatures: policy } }];
    const onLink = !signing || known || snapshot.values[ownReads + (policyRead ? 1 : 0)] != null;
    const record = signing?.record;
    const keyEntries: EntryDraft[] =
      onLink || !record || !signing
        ? []
        : [
            {
              linkId,
              type: 'key.registered',
              actor,
              // A key used by a drill session is exercise traffic like everything it signs.
              drill: signing.drill,
              payload: { keyId: record.keyId, alg: 'ES256', publicKey: record.publicKey, validFrom: record.validFrom, validUntil: record.validUntil },
              sig: { keyId: record.keyId, value: record.proof },
            },
          ];
    if (policyEntries.length === 0 && keyEntries.length === 0 && !signing) return decided;
    const draft = decided.draft;
    const withSig = (d: EntryDraft): EntryDraft => (signing ? { ...d, sig: signing.sig } : d);
    return {
      ...decided,
      draft: typeof draft === 'function' ? (slot: EntrySlot) => withSig(draft(slot)) : withSig(draft),
      prelude: [...policyEntries, ...keyEntries, ...(decided.prelude ?? [])],
      project: (entry: Entry, prelude: Entry[]) => [
        ...(decided.project?.(entry, prelude.slice(policyEntries.length + keyEntries.length)) ?? []),
        ...(policyEntries.length > 0 ? this.#policies.set(linkId, prelude[0]!.seq, policy) : []),
        ...(keyEntries.length > 0 && record ? [this.#registry.onLink(linkId, record.keyId, prelude[policyEntries.length]!.seq)] : []),
      ],
    };
  }

  #appended<O extends IdempotentAppendOutcome<unknown>>(linkId: string, signing: Signing | null, outcome: O): O {
    if (outcome.kind === 'appended') {
      for (const e of outcome.prelude) this.#broadcast.entry(e);
      if (outcome.prelude.some((e) => e.type === 'signature.policy')) this.#policySeen.set(linkId, Date.now() + SignatureService.POLICY_RECHECK_MS);
      if (signing) this.#onLink.add(`${linkId}/${signing.record.keyId}`);
    }
    return outcome;
  }

  /** Seq of the last signature.policy entry of a link before `seq`, if any (the export's policy line). */
  policyBefore(linkId: string, seq: number): Promise<number | null> {
    return this.#policies.lastBefore(linkId, seq);
  }
}

/** A checked signature and its key. */
export interface Signing {
  record: KeyRecord;
  sig: Sig;
  /** Signed in a drill session (drill token). */
  drill: boolean;
}
