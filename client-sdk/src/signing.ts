import { isSignedAct, withSignedDefaults, type Entry, type Escalation, type SessionUser, type Sig, type SignedAct } from '@hotline/shared';
import type { ClientEvent, RequestOf, ResultOf } from './calls.js';
import { ActionSigner, type ClientCrypto } from './signer.js';

export interface SigningDeps {
  /** Sign actions at all. */
  enabled: boolean;
  /** What signs (WebCrypto unless given). */
  crypto?: ClientCrypto;
  user(): SessionUser | undefined;
  /** When the token expires: no key outlives its token. */
  expiresAt(): number | undefined;
  /** Sends key:register as it is. */
  register(req: RequestOf<'key:register'>): Promise<ResultOf<'key:register'>>;
  /** The hash of an entry this client holds. */
  hashAt(linkId: string, seq: number): string | undefined;
  /** The hash of an alert's alert.raised entry, asked of the server when this client has not seen it. */
  raisedHash(alertId: string): Promise<string>;
  /** Told each key once the server registered it (e.g. to keep it for a service worker). */
  keyRegistered?(key: RegisteredKey): void;
}

/** A registered signing key: its private half stays a non-extractable WebCrypto key. */
export interface RegisteredKey {
  userId: string;
  keyId: string;
  privateKey: ActionSigner['privateKey'];
  validUntil: number;
}

/**
 * Signs this client's actions with its own key (ECDSA P-256 through WebCrypto).
 *
 * Guarantees: the key is registered (key:register, with proof of possession) on every connection
 * before the session sends anything signed (a signed action waits for a registration under way); it is valid no longer than the token it was registered
 * with, and a renewed token gets a new key. A signed action quotes the hash of what it acknowledges (the
 * message acknowledged, the entry read up to, the alert raised, the line check started) and is signed
 * exactly as the server will see it, schema defaults applied. A payload that already carries `sig` goes
 * out untouched.
 */
export class Signing {
  readonly #deps: SigningDeps;
  #signer: ActionSigner | undefined;
  /** The token expiry the current key was made for. */
  #keyFor: number | undefined;
  #validUntil = 0;
  /** The registration under way (or the last one), which signed actions wait for. */
  #registering: Promise<void> | undefined;
  /** Hash of each alert's alert.raised entry, which acknowledgements quote. */
  readonly #raisedHashes = new Map<string, string>();
  /** Hash of each line check's linecheck.started entry, which answers quote. */
  readonly #checkHashes = new Map<string, string>();

  constructor(deps: SigningDeps) {
    this.#deps = deps;
  }

  /** The id of the current signing key, once made. */
  get keyId(): string | undefined {
    return this.#signer?.keyId;
  }

  /** Keeps the hashes that later actions quote. */
  noteEntry(entry: Entry): void {
    if (entry.type === 'alert.raised') this.#raisedHashes.set(entry.payload.alertId, entry.hash);
    if (entry.type === 'linecheck.started') this.#checkHashes.set(entry.payload.checkId, entry.hash);
  }

  noteEscalation(escalation: Escalation): void {
    if (escalation.alert) this.#raisedHashes.set(escalation.alert.alertId, escalation.alert.raisedHash);
  }

  /** Registers this client's key: a new one for a new token, or when the current one is about to expire. */
  register(): Promise<void> {
    const registering = this.#register();
    this.#registering = registering;
    return registering;
  }

  async #register(): Promise<void> {
    const user = this.#deps.user();
    if (!this.#deps.enabled || !user) return;
    const expiresAt = this.#deps.expiresAt();
    if (!this.#signer || this.#validUntil < Date.now() + 60_000 || (expiresAt !== undefined && expiresAt !== this.#keyFor)) {
      this.#signer = await ActionSigner.generate(this.#deps.crypto);
      this.#keyFor = expiresAt;
      this.#validUntil = expiresAt ?? Date.now() + 3_600_000;
    }
    const signer = this.#signer;
    const sig = await signer.sign('key:register', user.id, { keyId: signer.keyId, publicKey: signer.publicKey, validUntil: this.#validUntil });
    const result = await this.#deps.register({ publicKey: signer.publicKey, validUntil: this.#validUntil, sig });
    this.#validUntil = result.validUntil;
    this.#deps.keyRegistered?.({ userId: user.id, keyId: signer.keyId, privateKey: signer.privateKey, validUntil: this.#validUntil });
  }

  /**
   * Signs an action that does not go through a socket event (an administration change over HTTP) with
   * this client's registered key; undefined when signing is off.
   */
  async signAct(act: SignedAct, fields: Record<string, unknown>): Promise<Sig | undefined> {
    if (!this.#deps.enabled) return undefined;
    if (this.#registering) await this.#registering.catch(() => undefined);
    if (!this.#signer) await this.register();
    const user = this.#deps.user();
    if (!this.#signer || !user) return undefined;
    return this.#signer.sign(act, user.id, fields);
  }

  /** The payload as it goes out: quoting what it acknowledges, and signed, for signed actions. */
  async prepare<E extends ClientEvent>(event: E, payload: RequestOf<E>): Promise<RequestOf<E>> {
    if (!this.#deps.enabled || !isSignedAct(event) || ('sig' in payload && payload.sig !== undefined)) return payload;
    // Nothing signed overtakes the registration of this connection's key (it failing, the action goes
    // out and the server's refusal says why).
    if (this.#registering) await this.#registering.catch(() => undefined);
    if (!this.#signer) await this.register();
    const fields: RequestOf<E> = { ...payload };
    // The same object seen field by field: what is quoted and signed depends on the event.
    const view: Record<string, unknown> = fields;
    // Sign exactly what the server will see: the payload with the schema's defaults applied.
    Object.assign(view, withSignedDefaults(event, view));
    if ((event === 'hotline:read' || event === 'hotline:delivered') && view.uptoHash === undefined) {
      const hash = this.#deps.hashAt(String(view.linkId), Number(view.uptoSeq));
      if (hash) view.uptoHash = hash;
    }
    if (event === 'hotline:ack' && view.quotedHash === undefined) {
      const hash = this.#deps.hashAt(String(view.linkId), Number(view.seq));
      if (hash) view.quotedHash = hash;
    }
    if (event === 'linecheck:answer' && view.quotedHash === undefined) {
      const hash = this.#checkHashes.get(String(view.checkId));
      if (hash) view.quotedHash = hash;
    }
    if (event === 'alert:ack' && view.quotedHash === undefined) {
      const alertId = String(view.alertId);
      view.quotedHash = this.#raisedHashes.get(alertId) ?? (await this.#deps.raisedHash(alertId));
    }
    const user = this.#deps.user();
    if (!this.#signer || !user) return fields;
    view.sig = await this.#signer.sign(event, user.id, view);
    return fields;
  }
}
