import { GENESIS_HASH, canonicalize, entryHashInput } from './canonical.js';
import { CosignCheck, type CosignedCheckpoint, type Cosigner, type CoverageReport } from './cosign-check.js';
import type { TrustedKeysFile } from './cosign.js';
import type { Checkpoint } from './events.js';
import { BEFORE_ENTRIES, EXPORT_FORMAT, type ExportHeaderLine, type ExportLineKind } from './export-format.js';
import { actionOfEntry, checkpointInput, signingInput } from './signing.js';
import { KeyRevocations } from './verify-revocation.js';
import { VerifyProblem, type VerifyCrypto } from './verify-crypto.js';
import { SignaturePolicyCheck, type SignatureMode, type SignaturePolicyReport } from './verify-policy.js';

export type { VerifyCrypto } from './verify-crypto.js';
export type { SignatureMode, SignaturePolicyReport } from './verify-policy.js';
export type { CosignedCheckpoint, Cosigner, CoverageReport } from './cosign-check.js';

/**
 * Offline verification of a link export (docs/record.md). Environment-agnostic: the caller supplies
 * SHA-256 and ECDSA P-256 verification (node:crypto in the CLI, WebCrypto in the console).
 */

/**
 * How long after its key's validUntil an entry's ts may lie (docs/record.md §4.3). The server checks a
 * signature against its clock before the append; the append then stamps the entry with
 * max(now, previous ts), a little later, and later still when another node's clock runs ahead.
 */
export const KEY_APPEND_GRACE_MS = 30_000;

export interface VerifyOptions {
  /** Which unsigned user actions are refused (verify-policy.ts). @default 'strict' */
  signatures?: SignatureMode;
  /** Same as signatures: 'all' (kept for callers of the earlier option). */
  requireSignatures?: boolean;
  /** Pin the server key: a different key in the export is a failure. */
  serverKeyId?: string;
  /** Each side's pinned keys: only cosignatures by these count, and the verdict rests on them. */
  trustedKeys?: readonly TrustedKeysFile[];
}

export interface VerifyReport {
  ok: boolean;
  format: string | null;
  linkId: string | null;
  /** The first problem: the seq it concerns (null when not about one entry), the line, and why. */
  firstBad: { seq: number | null; line: number; reason: string } | null;
  range: { fromSeq: number | null; toSeq: number | null };
  counts: {
    entries: number;
    byType: Record<string, number>;
    /** User actions signed with a registered key that verified. */
    signed: number;
    /** User actions without a signature. */
    unsigned: number;
    /** Acknowledgements made through a gateway reply (unsigned by design; the entry names the gateway). */
    throughGateway: number;
    /** Entries the server writes itself (escalations, line checks), covered by checkpoints. */
    serverEntries: number;
    keys: number;
    checkpoints: number;
    /** Quoted hashes (receipts, acknowledgements, line-check answers) checked against the entries they quote. */
    quotesChecked: number;
  };
  head: { seq: number; hash: string } | null;
  serverKeyId: string | null;
  /** Which unsigned user actions were accepted, and under which policy of the record. */
  signatures: SignaturePolicyReport;
  /** The checkpoints cosigned by a side, with who cosigned them. */
  cosigned: CosignedCheckpoint[];
  coverage: CoverageReport | null;
  /** The keys the verdict rests on: the server key (pinned or not) and the cosigning keys. */
  trust: { serverKeyId: string | null; serverKeyPinned: boolean; cosigningKeys: Cosigner[] };
}

interface KeyInfo {
  userId: string;
  publicKey: string;
  validFrom: number;
  validUntil: number;
}

const Bad = VerifyProblem;

/** seq → hash for every verified entry, 32 bytes each. */
class HashIndex {
  #base = -1;
  #last = -1;
  #chunks: Uint8Array[] = [];
  static readonly CHUNK = 65_536;

  set(seq: number, hash: string): void {
    if (this.#base < 0) this.#base = seq;
    const i = seq - this.#base;
    if (i < 0) return;
    this.#last = Math.max(this.#last, seq);
    const c = Math.floor(i / HashIndex.CHUNK);
    while (this.#chunks.length <= c) this.#chunks.push(new Uint8Array(HashIndex.CHUNK * 32));
    const chunk = this.#chunks[c]!;
    const off = (i % HashIndex.CHUNK) * 32;
    for (let b = 0; b < 32; b++) chunk[off + b] = parseInt(hash.slice(b * 2, b * 2 + 2), 16);
  }

  /** The hash at seq, or undefined when the index does not hold it (entries are set consecutively). */
  get(seq: number): string | undefined {
    if (this.#base < 0 || seq < this.#base || seq > this.#last) return undefined;
    const i = seq - this.#base;
    const chunk = this.#chunks[Math.floor(i / HashIndex.CHUNK)];
    if (!chunk) return undefined;
    const off = (i % HashIndex.CHUNK) * 32;
    let s = '';
    for (let b = 0; b < 32; b++) s += chunk[off + b]!.toString(16).padStart(2, '0');
    return s;
  }
}

const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Feed it the export's lines in order, then call finish(). Stops at the first problem and names it.
 */
export class ExportVerifier {
  readonly #crypto: VerifyCrypto;
  readonly #options: VerifyOptions;
  readonly #policy: SignaturePolicyCheck;
  readonly #cosign: CosignCheck;
  readonly #keys = new Map<string, KeyInfo>();
  readonly #revocations = new KeyRevocations();
  readonly #hashes = new HashIndex();
  #line = 0;
  #prev: { seq: number; hash: string } | null = null;
  #firstSeq: number | null = null;
  #header: { linkId: string; serverKey: ExportHeaderLine['serverKey'] } | null = null;
  #ended = false;
  /** Checkpoints (which come before the entries) by seq, checked when their entry arrives. */
  readonly #pending = new Map<number, Checkpoint>();
  /** The linecheck.started entries seen, by checkId, for the answers that quote them. */
  readonly #lineChecks = new Map<string, { seq: number; hash: string }>();
  #bad: VerifyReport['firstBad'] = null;
  readonly report: VerifyReport = {
    ok: false,
    format: null,
    linkId: null,
    firstBad: null,
    range: { fromSeq: null, toSeq: null },
    counts: { entries: 0, byType: {}, signed: 0, unsigned: 0, throughGateway: 0, serverEntries: 0, keys: 0, checkpoints: 0, quotesChecked: 0 },
    head: null,
    serverKeyId: null,
    signatures: { mode: 'strict', policy: [], allowedUnsigned: 0, lenientUnsigned: 0 },
    cosigned: [],
    coverage: null,
    trust: { serverKeyId: null, serverKeyPinned: false, cosigningKeys: [] },
  };

  constructor(crypto: VerifyCrypto, options: VerifyOptions = {}) {
    this.#crypto = crypto;
    this.#options = options;
    this.#policy = new SignaturePolicyCheck(options.signatures ?? (options.requireSignatures ? 'all' : 'strict'));
    this.#cosign = new CosignCheck(crypto, options.trustedKeys ?? []);
    this.report.signatures = this.#policy.report;
    this.report.cosigned = this.#cosign.cosigned;
  }

  get failed(): boolean {
    return this.#bad !== null;
  }

  /** Checks one line. After the first problem, further lines are ignored. */
  async line(text: string): Promise<void> {
    if (this.#bad) return;
    this.#line++;
    if (text.trim() === '') return;
    try {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new Bad(null, 'not valid JSON');
      }
      await this.#record(record);
    } catch (err) {
      if (!(err instanceof VerifyProblem)) throw err;
      this.#bad = { seq: err.seq, line: this.#line, reason: err.message };
    }
  }

  async #record(r: Record<string, unknown>): Promise<void> {
    if (this.#ended) throw new Bad(null, 'content after the end line');
    if (this.#line === 1 || !this.#header) {
      if (r.kind !== 'header') throw new Bad(null, 'the export must start with its header');
      if (r.format !== EXPORT_FORMAT) throw new Bad(null, `unknown export format ${JSON.stringify(r.format)}`);
      const serverKey = (r.serverKey ?? null) as ExportHeaderLine['serverKey'];
      if (serverKey && (await this.#crypto.keyIdOf(serverKey.publicKey)) !== serverKey.keyId) {
        throw new Bad(null, 'the server key in the header does not match its keyId');
      }
      if (this.#options.serverKeyId && serverKey?.keyId !== this.#options.serverKeyId) {
        throw new Bad(null, `the export names server key ${serverKey?.keyId ?? 'none'}, not the pinned ${this.#options.serverKeyId}`);
      }
      this.#header = { linkId: String(r.linkId), serverKey };
      this.report.format = String(r.format);
      this.report.linkId = String(r.linkId);
      this.report.serverKeyId = serverKey?.keyId ?? null;
      const posts = Array.isArray(r.posts) ? (r.posts as { side?: unknown }[]) : [];
      this.#cosign.start(String(r.linkId), [...new Set(posts.map((p) => String(p.side)))]);
      return;
    }
    switch (r.kind) {
      case 'anchor': {
        // At most one, before the entries: whatever came before sets #prev.
        if (this.#prev || this.#afterEntries('anchor')) throw new Bad(null, 'the anchor must come before the entries');
        const seq = Number(r.seq);
        if (!Number.isInteger(seq) || seq < 1 || typeof r.hash !== 'string' || !HASH_RE.test(r.hash)) throw new Bad(null, 'malformed anchor');
        this.#prev = { seq, hash: r.hash };
        this.#hashes.set(seq, r.hash);
        return;
      }
      case 'key':
        return this.#keyLine(r.entry as Record<string, unknown>);
      case 'policy':
        return this.#policyLine(r.entry as Record<string, unknown>);
      case 'entry':
        return this.#entry(r.entry as Record<string, unknown>);
      case 'checkpoint':
        await this.#checkpoint(r.checkpoint as Checkpoint);
        return this.#cosign.checkpoint(r.checkpoint as Checkpoint, r.cosignatures);
      case 'end': {
        this.#ended = true;
        if (Number(r.entries) !== this.report.counts.entries) {
          throw new Bad(null, `the end line counts ${String(r.entries)} entries, the export holds ${this.report.counts.entries}`);
        }
        return;
      }
      default:
        throw new Bad(null, `unknown line kind ${JSON.stringify(r.kind)}`);
    }
  }

  /** A line of a kind the format puts before the entries (export-format.ts), arriving after one. */
  #afterEntries(kind: ExportLineKind): boolean {
    return BEFORE_ENTRIES.has(kind) && this.#firstSeq !== null;
  }

  async #hashOk(entry: Record<string, unknown>): Promise<boolean> {
    return (await this.#crypto.sha256Hex(entryHashInput(entry))) === entry.hash;
  }

  /** A key.registered entry from before the range: checked on its own (hash and proof). */
  async #keyLine(entry: Record<string, unknown>): Promise<void> {
    const seq = typeof entry?.seq === 'number' ? entry.seq : null;
    if (!entry || entry.type !== 'key.registered') throw new Bad(seq, 'a key line must hold a key.registered entry');
    if (entry.linkId !== this.#header!.linkId) throw new Bad(seq, 'key entry of another link');
    if (!(await this.#hashOk(entry))) throw new Bad(seq, 'hash does not match the content');
    await this.#registerKey(entry);
  }

  /** The signature.policy entry in force at the start of the range. */
  async #policyLine(entry: Record<string, unknown>): Promise<void> {
    const seq = typeof entry?.seq === 'number' ? entry.seq : null;
    if (this.#afterEntries('policy')) throw new Bad(seq, 'the policy line must come before the entries');
    if (!entry || entry.type !== 'signature.policy') throw new Bad(seq, 'a policy line must hold a signature.policy entry');
    if (entry.linkId !== this.#header!.linkId) throw new Bad(seq, 'policy entry of another link');
    if (!(await this.#hashOk(entry))) throw new Bad(seq, 'hash does not match the content');
    this.#policy.policy(entry, false);
  }

  async #registerKey(entry: Record<string, unknown>): Promise<void> {
    const seq = entry.seq as number;
    const p = entry.payload as { keyId: string; publicKey: string; validFrom: number; validUntil: number };
    const actor = entry.actor as { userId: string };
    const sig = entry.sig as { keyId: string; value: string } | undefined;
    if ((await this.#crypto.keyIdOf(p.publicKey)) !== p.keyId) throw new Bad(seq, `key ${p.keyId} is not the id of the public key it carries`);
    if (!sig || sig.keyId !== p.keyId) throw new Bad(seq, 'key registration without its proof of possession');
    const input = signingInput('key:register', actor.userId, { keyId: p.keyId, publicKey: p.publicKey, validUntil: p.validUntil });
    if (!(await this.#crypto.verifyP256(p.publicKey, input, sig.value))) throw new Bad(seq, `key ${p.keyId}: the proof of possession does not verify`);
    const known = this.#keys.get(p.keyId);
    if (known && (known.publicKey !== p.publicKey || known.userId !== actor.userId)) throw new Bad(seq, `key ${p.keyId} registered twice with different owners or keys`);
    this.#keys.set(p.keyId, { userId: actor.userId, publicKey: p.publicKey, validFrom: p.validFrom, validUntil: p.validUntil });
    this.report.counts.keys = this.#keys.size;
  }

  async #entry(entry: Record<string, unknown>): Promise<void> {
    if (!entry || typeof entry.seq !== 'number') throw new Bad(null, 'malformed entry line');
    const seq = entry.seq;
    const expected = this.#prev ? this.#prev.seq + 1 : 1;
    if (seq !== expected) {
      throw new Bad(expected, seq > expected ? `entry ${expected} is missing (the next present is ${seq})` : `entries out of order: found ${seq} where ${expected} belongs`);
    }
    const prevHash = this.#prev ? this.#prev.hash : GENESIS_HASH;
    if (entry.prevHash !== prevHash) throw new Bad(seq, 'prevHash does not match the hash of the entry before it');
    if (entry.linkId !== this.#header!.linkId) throw new Bad(seq, `entry of another link (${String(entry.linkId)})`);
    if (typeof entry.hash !== 'string' || !(await this.#hashOk(entry))) throw new Bad(seq, 'hash does not match the content (the entry was altered)');
    this.#cosign.entry(seq, entry.hash);
    this.#checkAgainstCheckpoint(seq, entry.hash);

    const type = String(entry.type);
    const actor = entry.actor as { userId: string; role: string };
    const payload = (entry.payload ?? {}) as Record<string, unknown>;
    if (type === 'key.registered') {
      await this.#registerKey(entry);
    } else if (type === 'key.revoked') {
      const bad = this.#revocations.note({ seq, payload, actor });
      if (bad) throw new Bad(seq, bad);
      this.report.counts.serverEntries++;
    } else {
      const action = actionOfEntry(entry as Parameters<typeof actionOfEntry>[0]);
      if (!action) {
        if (actor?.role !== 'system') throw new Bad(seq, `${type} entries are written by the server, not by ${actor?.userId}`);
        if (type === 'signature.policy') this.#policy.policy(entry, true);
        this.report.counts.serverEntries++;
      } else if (!entry.sig && type === 'alert.acknowledged' && isGatewayVia(payload.via)) {
        // Acknowledged by a reply through a gateway: nobody's device key signed it, and the entry says so.
        this.report.counts.throughGateway++;
      } else if (!entry.sig) {
        this.#policy.unsigned(seq, type, actor.userId);
        this.report.counts.unsigned++;
      } else {
        const sig = entry.sig as { keyId: string; value: string };
        const key = this.#keys.get(sig.keyId);
        if (!key) throw new Bad(seq, `signed with key ${sig.keyId}, which this record does not register`);
        if (key.userId !== actor.userId) throw new Bad(seq, `signed with the key of ${key.userId}, not of ${actor.userId}`);
        const ts = Number(entry.ts);
        if (ts < key.validFrom || ts > key.validUntil + KEY_APPEND_GRACE_MS) throw new Bad(seq, `signed with key ${sig.keyId} outside its validity`);
        const revoked = this.#revocations.refuse(sig.keyId, seq, ts);
        if (revoked) throw new Bad(seq, revoked);
        if (!(await this.#crypto.verifyP256(key.publicKey, signingInput(action.act, actor.userId, action.fields), sig.value))) {
          throw new Bad(seq, `the signature of ${actor.userId} does not verify (the action was altered or the signature replaced)`);
        }
        this.report.counts.signed++;
      }
    }
    // An administration-log entry carries the value its signature covers by hash: they must agree.
    if (type === 'config.changed' && (await this.#crypto.sha256Hex(canonicalize(payload.value ?? null))) !== payload.valueHash) {
      throw new Bad(seq, 'the changed value does not match the hash the change was signed with (the entry was altered)');
    }
    // Receipts and acknowledgements must quote the entries they acknowledge.
    if (type === 'receipt') {
      const upto = Number(payload.uptoSeq);
      if (upto >= seq) throw new Bad(seq, `receipt for entry ${upto}, which comes after it`);
      const quoted = this.#hashes.get(upto);
      if (quoted !== undefined) {
        if (quoted !== payload.uptoHash) {
          throw new Bad(upto, `entry ${upto} differs from what post ${String(payload.postId)} acknowledged receiving (receipt at seq ${seq})`);
        }
        this.report.counts.quotesChecked++;
      }
    }
    if (type === 'alert.acknowledged' && typeof payload.quotedHash === 'string') {
      const m = /-(\d+)$/.exec(String(payload.alertId));
      const raisedSeq = m ? Number(m[1]) : NaN;
      const quoted = this.#hashes.get(raisedSeq);
      if (quoted !== undefined) {
        if (quoted !== payload.quotedHash) {
          throw new Bad(raisedSeq, `entry ${raisedSeq} differs from the alert ${actor.userId} acknowledged (acknowledgement at seq ${seq})`);
        }
        this.report.counts.quotesChecked++;
      }
    }
    if (type === 'linecheck.started') this.#lineChecks.set(String(payload.checkId), { seq, hash: entry.hash });
    if (type === 'linecheck.answered') {
      const started = this.#lineChecks.get(String(payload.checkId));
      if (started !== undefined) {
        if (started.hash !== payload.quotedHash) {
          throw new Bad(started.seq, `entry ${started.seq} differs from the line check post ${String(payload.postId)} answered (answer at seq ${seq})`);
        }
        this.report.counts.quotesChecked++;
      }
    }
    if (this.#firstSeq === null) this.#firstSeq = seq;
    this.#hashes.set(seq, entry.hash);
    this.#prev = { seq, hash: entry.hash };
    this.report.counts.entries++;
    this.report.counts.byType[type] = (this.report.counts.byType[type] ?? 0) + 1;
  }

  /** A checkpoint line: its signature now; its hash when its entry arrives. */
  async #checkpoint(cp: Checkpoint): Promise<void> {
    const key = this.#header!.serverKey;
    if (!cp || typeof cp.seq !== 'number') throw new Bad(null, 'malformed checkpoint');
    if (this.#afterEntries('checkpoint')) throw new Bad(cp.seq, 'checkpoints must come before the entries');
    if (!key || cp.keyId !== key.keyId) throw new Bad(cp.seq, `checkpoint signed by ${cp.keyId}, not by the server key of this export`);
    if (!(await this.#crypto.verifyP256(key.publicKey, checkpointInput(cp), cp.sig))) throw new Bad(cp.seq, 'checkpoint signature does not verify');
    if (cp.linkId !== this.#header!.linkId) throw new Bad(cp.seq, 'checkpoint of another link');
    const other = this.#pending.get(cp.seq);
    if (other && other.hash !== cp.hash) throw new Bad(cp.seq, `two server checkpoints disagree on entry ${cp.seq}`);
    this.#pending.set(cp.seq, cp);
  }

  #checkAgainstCheckpoint(seq: number, hash: string): void {
    const cp = this.#pending.get(seq);
    if (!cp) return;
    if (cp.hash !== hash) {
      throw new Bad(seq, `entry ${seq} differs from what the server signed at ${new Date(cp.ts).toISOString()}: the log was rewritten after that checkpoint`);
    }
    this.#pending.delete(seq);
    this.report.counts.checkpoints++;
  }

  finish(): VerifyReport {
    if (!this.#bad && !this.#header) this.#bad = { seq: null, line: this.#line, reason: 'empty export' };
    if (!this.#bad) {
      const unmatched = [...this.#pending.keys()].sort((a, b) => a - b)[0];
      if (unmatched !== undefined) this.#bad = { seq: unmatched, line: this.#line, reason: `checkpoint of entry ${unmatched}, which the export does not hold` };
    }
    if (!this.#bad && !this.#ended) this.#bad = { seq: null, line: this.#line, reason: 'the export is truncated (no end line)' };
    this.report.firstBad = this.#bad;
    this.report.ok = this.#bad === null;
    this.report.range = { fromSeq: this.#firstSeq, toSeq: this.#prev && this.#firstSeq !== null ? this.#prev.seq : null };
    this.report.head = this.#prev && this.#firstSeq !== null ? { ...this.#prev } : null;
    this.report.coverage = this.#bad ? null : this.#cosign.finish(this.report.range);
    const keys = new Map<string, Cosigner>();
    for (const cp of this.#cosign.cosigned) for (const c of cp.sides) keys.set(`${c.side}/${c.keyId}`, c);
    this.report.trust = {
      serverKeyId: this.report.serverKeyId,
      serverKeyPinned: this.#options.serverKeyId !== undefined && this.#options.serverKeyId === this.report.serverKeyId,
      cosigningKeys: [...keys.values()],
    };
    return this.report;
  }
}

/** Verifies a whole export given as lines. */
export async function verifyExport(
  lines: Iterable<string> | AsyncIterable<string>,
  crypto: VerifyCrypto,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const verifier = new ExportVerifier(crypto, options);
  for await (const line of lines) {
    await verifier.line(line);
    if (verifier.failed) break;
  }
  return verifier.finish();
}

/** An acknowledgement's `via`: through which gateway reply it came (see record.md). */
function isGatewayVia(via: unknown): boolean {
  if (typeof via !== 'object' || via === null) return false;
  const v = via as Record<string, unknown>;
  return v.channel === 'gateway' && typeof v.gateway === 'string' && typeof v.messageId === 'string' && typeof v.code === 'string';
}
