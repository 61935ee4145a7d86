import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import {
  ErrorCode,
  withSignedDefaults,
  type AlertRaiseRequest,
  type AlertResult,
  type Checkpoint,
  type Cosignature,
  type Entry,
  type Escalation,
  type HandoverRequest,
  type HandoverResult,
  type InboxResult,
  type LineCheckAnswerResult,
  type LoginBootResponse,
  type LoginResponse,
  type MessageAckResult,
  type Precedence,
  type Presence,
  type SendResult,
  type SessionUser,
  type Sig,
  type SignedAct,
  type VisibleTopology,
} from '@hotline/shared';
import { HttpApi } from './api.js';
import { retryDelay } from './backoff.js';
import type { ClientEvent, ClientResultOf, RequestOf } from './calls.js';
import { Connection, type ConnectionStatus, type Transport } from './connection.js';
import { TypedEmitter } from './emitter.js';
import { HotlineError } from './errors.js';
import { newClientId } from './ids.js';
import { EscalationInbox } from './inbox.js';
import { Outbox, type OutboxItem } from './outbox.js';
import { Receipts } from './receipts.js';
import { CheckpointCosigner } from './cosign.js';
import { RecordGuard } from './record-guard.js';
import { isEntrySeal, unsealSent } from './seal.js';
import type { ClientCrypto } from './signer.js';
import { Signing, type RegisteredKey } from './signing.js';
import { MemoryStorage, type ClientStorage } from './storage.js';
import { LinkSync } from './sync.js';
import { TokenKeeper, type GetToken } from './token.js';

export interface HotlineClientOptions {
  /** Base URL of the service, e.g. "http://127.0.0.1:8080". */
  url: string;
  token: string;
  /** The logged-in user, if known (from login); fetched from /api/me otherwise. */
  user?: SessionUser;
  /** When the token expires (from login); fetched from /api/me otherwise. */
  expiresAt?: number;
  /**
   * Gets a new token (e.g. from POST /api/auth/refresh), as centrifuge-js's getToken: called
   * `refreshBeforeExpiryMs` before the token expires and when the server refuses it; the client then
   * reconnects with the new one. Throw a HotlineError UNAUTHENTICATED or FORBIDDEN when the session
   * is over; other failures are retried with backoff. @default none: a refused token ends in `unauthenticated`
   */
  getToken?: GetToken;
  /** How long before the token expires getToken is called (at most half the token's lifetime). @default 300000 */
  refreshBeforeExpiryMs?: number;
  /** Sign every action with this client's own key (registered on each connect). @default true */
  signing?: boolean;
  /**
   * What signs actions and hashes sent entries back from their seals. @default WebCrypto; a Node
   * process (a drill runner, a load generator) may give `nodeClientCrypto` from
   * client-sdk/src/node-crypto.ts, the same signatures at a third of the CPU
   */
  crypto?: ClientCrypto;
  /** Told each signing key once the server registered it (a console keeps it for its service worker). */
  onSigningKey?: (key: RegisteredKey) => void;
  /**
   * Countersign, for this user's side, each checkpoint of a followed link once this client holds the
   * entry it covers with the same hash (needs signing). @default true
   */
  cosign?: boolean;
  /**
   * The server's checkpoint key, when the caller already has it (from the boot answer): pinned like the
   * one GET /api/server-key gives, without that request. @default fetched at the first connect
   */
  serverKey?: { keyId: string; publicKey: string };
  /** Links to follow. @default every link the user may read */
  links?: string[];
  /** Keeps the outbox across restarts (localStorage in browsers). @default in memory */
  storage?: ClientStorage;
  /** Timeout of one attempt of a request. @default 5000 */
  ackTimeoutMs?: number;
  /** Send delivered receipts for counterpart messages (operators only). @default true */
  deliveredReceipts?: boolean;
  /** While connected, sync this often in case a push was lost with a node. 0 disables. @default 15000 */
  healthCheckMs?: number;
  /** Options passed to socket.io-client (not used with `transport`, which has its own). */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * A WebSocket opened ahead with `openTransport` (e.g. while the login was on its way): the client
   * joins on it in one round trip. @default the client opens its own when it connects
   */
  transport?: Transport;
  /**
   * Where to resume each link from (the last seq held, and its hash if known), e.g. cursors a console
   * stored, or the heads at the start of a drill. Entries up to these are never delivered; the fork
   * check starts from the given hash. @default every followed link from its beginning (seq 0)
   */
  cursors?: Record<string, { seq: number; hash?: string }>;
}

export interface ClientEvents {
  /** Each link-log entry exactly once, in seq order per link: history from sync, then live. */
  entry: (entry: Entry) => void;
  presence: (presence: Presence) => void;
  /** Each escalation that reached the user exactly once, live or fetched after a reconnect. */
  escalation: (escalation: Escalation) => void;
  status: (status: ConnectionStatus, since: number) => void;
  /** The outbox changed (queued, sent or failed items). */
  outbox: (items: readonly OutboxItem[]) => void;
  /** A sync finished with nothing more to fetch. */
  synced: () => void;
  /** An entry arrived ahead of a missing one; a sync is on its way. */
  gap: (info: { linkId: string; expectedSeq: number; gotSeq: number }) => void;
  /** The server's log disagrees with what this client holds: it was rewritten or rolled back. */
  fork: (info: { linkId: string; seq: number; detail: string }) => void;
  /**
   * The token was refused and no new one could be had (no getToken, or it refused too): log in again
   * and call setToken() then connect().
   */
  unauthenticated: (reason: string) => void;
  /** This client cosigned a checkpoint for its side (or found its side's cosignature kept). */
  cosigned: (cosignature: Cosignature) => void;
  /** An outbox item was refused for good (validation, permission, conflict) and dropped. */
  failed: (item: OutboxItem, error: HotlineError) => void;
}

/**
 * A typed client of the hotline: login, live entries in order and exactly once, an outbox that holds
 * sends while disconnected and retries them under the same ids, sync on every (re)connect, and a token
 * renewed through `getToken`. A façade over its parts, each with its own guarantee: the connection
 * (connection.ts), the token (token.ts), sync and gap healing (sync.ts) with the record guard
 * (record-guard.ts), signing (signing.ts), the outbox (outbox.ts), receipts (receipts.ts), the
 * escalation inbox (inbox.ts) and the HTTP API (api.ts).
 */
export class HotlineClient extends TypedEmitter<ClientEvents> {
  readonly url: string;
  #user: SessionUser | undefined;
  readonly #options: HotlineClientOptions;
  readonly #tokens: TokenKeeper;
  readonly #http: HttpApi;
  readonly #connection: Connection;
  readonly #guard: RecordGuard;
  readonly #sync: LinkSync;
  readonly #signing: Signing;
  readonly #outbox: Outbox;
  readonly #inbox: EscalationInbox;
  readonly #receipts: Receipts;
  readonly #cosigner: CheckpointCosigner;
  /** A token getToken gave that no connection has accepted yet: refused, it ends the session. */
  #freshToken: string | undefined;
  /** The token `unauthenticated` was reported for (once per token and connect()). */
  #reportedToken: string | undefined;

  /** Logs in with username and password. */
  static login(url: string, username: string, password: string): Promise<LoginResponse> {
    return HttpApi.login(url, username, password);
  }

  /** Logs in and gets, in the same answer, what a console needs before it connects (`BootResponse`). */
  static loginWithBoot(url: string, username: string, password: string): Promise<LoginBootResponse> {
    return HttpApi.loginWithBoot(url, username, password);
  }

  constructor(options: HotlineClientOptions) {
    super();
    this.url = options.url;
    this.#user = options.user;
    this.#options = options;
    const storage = options.storage ?? new MemoryStorage();
    this.#tokens = new TokenKeeper(
      { token: options.token, expiresAt: options.expiresAt, getToken: options.getToken, refreshBeforeMs: options.refreshBeforeExpiryMs ?? 300_000 },
      {
        renewed: (grant) => {
          this.#freshToken = grant.token;
          this.#connection.reconnect();
        },
        refused: (reason) => this.#unauthenticated(reason),
      },
    );
    this.#http = new HttpApi(options.url, () => this.#tokens.token, () => this.#tokens.renew());
    this.#connection = new Connection(
      { url: options.url, token: () => this.#tokens.token, ackTimeoutMs: options.ackTimeoutMs ?? 5000, socket: options.socket, transport: options.transport },
      {
        status: (status, since) => this.emit('status', status, since),
        connected: () => void this.#startSession(),
        refused: (reason, token) => void this.#refused(reason, token),
        entry: (entry) => this.#sync.accept(entry),
        presence: (presence) => this.emit('presence', presence),
        escalation: (escalation) => {
          this.#signing.noteEscalation(escalation);
          this.#inbox.accept(escalation);
        },
        checkpoint: (cp) => void this.#guard.accept(cp),
      },
    );
    this.#guard = new RecordGuard(storage, (linkId, seq, detail) => this.emit('fork', { linkId, seq, detail }));
    const connected = () => this.#connection.status === 'connected';
    this.#sync = new LinkSync(
      {
        request: (payload) => this.request('sync', payload),
        connected,
        guard: this.#guard,
        deliver: (entry) => this.#onDeliver(entry),
        gap: (info) => this.emit('gap', info),
        fork: (info) => this.emit('fork', info),
        synced: () => this.emit('synced'),
      },
      options.cursors,
    );
    this.#signing = new Signing({
      enabled: options.signing !== false,
      ...(options.crypto ? { crypto: options.crypto } : {}),
      user: () => this.#user,
      expiresAt: () => this.#tokens.expiresAt,
      register: (req) => this.#connection.request('key:register', req),
      hashAt: (linkId, seq) => this.#guard.hashAt(linkId, seq),
      raisedHash: (alertId) => this.#http.raisedHash(alertId),
      ...(options.onSigningKey ? { keyRegistered: options.onSigningKey } : {}),
    });
    this.#outbox = new Outbox({
      storage,
      send: async (event, payload) => {
        const result = await this.request(event, payload);
        // The ack carries the stored entry (or its seal, from which request() rebuilt it): deliver it as
        // a live push would be (in order, once). The server does not push a sent message back to the
        // socket that sent it.
        const entry = (result as { entry?: Entry | null }).entry;
        if (entry) this.#sync.accept(entry);
        return result;
      },
      canSend: () => this.#connection.connected && !this.#connection.closed,
      changed: (items) => this.emit('outbox', items),
      failed: (item, error) => this.emit('failed', item, error),
    });
    this.#inbox = new EscalationInbox({
      fetch: async (after, limit) => {
        const page = await this.#http.inbox(after, limit);
        for (const e of page.escalations) this.#signing.noteEscalation(e);
        return page;
      },
      deliver: (escalation) => this.emit('escalation', escalation),
    });
    this.#cosigner = new CheckpointCosigner({
      enabled: options.signing !== false && options.cosign !== false,
      user: () => this.#user,
      hashAt: (linkId, seq) => this.#guard.hashAt(linkId, seq),
      send: (req) => this.request('checkpoint:cosign', req),
      storage,
      fork: (linkId, seq, detail) => this.emit('fork', { linkId, seq, detail }),
      cosigned: (c) => this.emit('cosigned', c),
    });
    this.#guard.observe(this.#cosigner);
    this.#receipts = new Receipts({
      send: (event, payload) => this.request(event, payload),
      connected: () => this.#connection.connected,
      hashAt: (linkId, seq) => this.#guard.hashAt(linkId, seq),
      deliveredFor: () => (options.deliveredReceipts === false ? null : this.#user?.post),
    });
  }

  get status(): ConnectionStatus {
    return this.#connection.status;
  }
  get statusSince(): number {
    return this.#connection.statusSince;
  }
  get user(): SessionUser | undefined {
    return this.#user;
  }
  get token(): string {
    return this.#tokens.token;
  }
  /** When the current token expires, once known. */
  get expiresAt(): number | undefined {
    return this.#tokens.expiresAt;
  }
  get links(): readonly string[] {
    return this.#sync.links;
  }
  get outbox(): readonly OutboxItem[] {
    return this.#outbox.items;
  }
  /** Attempts of outbox items that had to be repeated (timeouts, rate limits, outages) since construction. */
  get retries(): number {
    return this.#outbox.retries;
  }
  /** Last seq delivered to the application for a link. */
  cursor(linkId: string): number {
    return this.#sync.cursor(linkId);
  }
  /** Hash of the last entry delivered for a link. */
  lastHash(linkId: string): string | undefined {
    return this.#sync.lastHash(linkId);
  }

  /** Replaces the token (after a new login); takes effect at the next connection. */
  setToken(token: string, expiresAt?: number): void {
    this.#tokens.set(token, expiresAt);
  }

  /** The id of this client's current signing key, once registered. */
  get keyId(): string | undefined {
    return this.#signing.keyId;
  }

  /** The latest head (seq and hash) this client cosigned for a link. */
  cosignedHead(linkId: string): { seq: number; hash: string } | undefined {
    return this.#cosigner.cosignedHead(linkId);
  }

  /** The latest server checkpoint this client holds for a link. */
  checkpoint(linkId: string): Checkpoint | undefined {
    return this.#guard.checkpoint(linkId);
  }

  /** Fetches what the user may see of the topology. */
  topology(): Promise<VisibleTopology> {
    return this.#http.topology();
  }

  /** GET an HTTP API path with this client's token. */
  api<T>(path: string): Promise<T> {
    return this.#http.get<T>(path);
  }

  /** Calls an HTTP API path with a method and a JSON body, with this client's token. */
  apiCall<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.#http.call<T>(method, path, body);
  }

  /** Signs an action sent over HTTP (config:change) with this client's key; undefined when not signing. */
  sign(act: SignedAct, fields: Record<string, unknown>): Promise<Sig | undefined> {
    return this.#signing.signAct(act, fields);
  }

  /**
   * Hands the shift at a post over to another of its operators (POST /api/duty/handover): signed once
   * per link of the post (act duty:handover) with this client's key, so the server writes a signed
   * duty.handover entry on each, which both ends of every link see. The links are the post's in the
   * topology the server shows now. Fails with the server's code: VALIDATION_FAILED when `to` is not an
   * active operator of the post, FORBIDDEN when the caller is not one; nothing is written then.
   */
  async handOver(req: { postId: string; to: string; note?: string }): Promise<HandoverResult> {
    const note = req.note ?? '';
    const topology = await this.#http.topology();
    const sigs: Record<string, Sig> = {};
    for (const link of topology.links) {
      if (!link.posts.includes(req.postId)) continue;
      const sig = await this.#signing.signAct('duty:handover', withSignedDefaults('duty:handover', { linkId: link.id, postId: req.postId, to: req.to, note }));
      if (sig) sigs[link.id] = sig;
    }
    const body: HandoverRequest = { postId: req.postId, to: req.to, note, sigs };
    return this.#http.call<HandoverResult>('POST', '/api/duty/handover', body);
  }

  /**
   * Connects, follows the links, and resolves after the first sync. Reconnects on its own afterwards,
   * syncing each time. Rejects with UNAUTHENTICATED when the token is refused (and getToken, if given,
   * gave none that is accepted).
   */
  async connect(): Promise<void> {
    this.#reportedToken = undefined;
    if (!this.#user || this.#tokens.expiresAt === undefined) {
      const me = await this.#http.me();
      this.#user = me.user;
      this.#tokens.set(this.#tokens.token, me.expiresAt);
    }
    if (!this.#guard.hasServerKey) this.#guard.setServerKey(this.#options.serverKey ?? (await this.#http.serverKey()));
    this.#sync.follow(this.#options.links ?? (await this.topology()).links.map((l) => l.id));
    this.#tokens.start();
    this.#connection.open();
    await new Promise<void>((resolve, reject) => {
      const offOk = this.once('synced', () => {
        offAuth();
        resolve();
      });
      const offAuth = this.once('unauthenticated', (reason) => {
        offOk();
        reject(new HotlineError({ code: ErrorCode.UNAUTHENTICATED, message: reason }));
      });
    });
    this.#sync.startHealthCheck(this.#options.healthCheckMs ?? 15_000);
  }

  /** Disconnects and stops reconnecting. The outbox is kept (in storage) for the next connect. */
  close(): void {
    this.#tokens.stop();
    this.#sync.stop();
    this.#receipts.stop();
    this.#connection.close();
  }

  /**
   * Sends one event and waits for its ack; signed actions are signed (and quote what they
   * acknowledge) on the way. Throws HotlineError: the server's code, TIMEOUT after `ackTimeoutMs`, or
   * DISCONNECTED when not connected (nothing is buffered behind your back).
   */
  async request<E extends ClientEvent>(event: E, payload: RequestOf<E>): Promise<ClientResultOf<E>> {
    if (!this.#connection.connected) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'not connected' });
    const sent = await this.#signing.prepare(event, payload);
    const result = await this.#connection.request(event, sent);
    if (event === 'hotline:send' && 'seal' in result) return (await this.#unseal(sent as RequestOf<'hotline:send'>, result.seal)) as ClientResultOf<E>;
    return result as ClientResultOf<E>;
  }

  /**
   * The entry of a send answered with its seal only (`reply: 'seal'`), rebuilt from what was sent and
   * checked against the seal's hash. Should it not match (a server that stores more than this client
   * knows), the stored entry is asked for: the retry is answered from the record.
   */
  async #unseal(sent: RequestOf<'hotline:send'>, seal: unknown): Promise<SendResult> {
    const entry = isEntrySeal(seal) && this.#user ? await unsealSent(sent, this.#user, seal, this.#options.crypto) : null;
    if (entry) return { entry, duplicate: false };
    const stored = await this.#connection.request('hotline:send', { ...sent, reply: 'entry' });
    if (!('entry' in stored)) throw new HotlineError({ code: ErrorCode.INTERNAL, message: 'the server answered a send without its entry' });
    return { entry: stored.entry, duplicate: false };
  }

  /** Fetches everything after the current cursors, page by page; entries go out as `entry` events. */
  sync(): Promise<void> {
    return this.#sync.sync();
  }

  /** Fetches escalations that reached this user while disconnected; each is emitted once. */
  catchUpInbox(): Promise<InboxResult> {
    return this.#inbox.catchUp();
  }

  /** Marks the inbox read up to a position. */
  markInboxRead(uptoPosition: number): Promise<InboxResult> {
    return this.request('inbox:read', { uptoPosition });
  }

  // --- the outbox -----------------------------------------------------------------------------------

  /** Sends a hotline message; queued while offline. Resolves with the stored entry. */
  send(linkId: string, text: string, options: { precedence?: Precedence; drill?: boolean; clientMsgId?: string } = {}): Promise<SendResult> {
    const id = options.clientMsgId ?? newClientId();
    // The ack carries only where the entry went; the client rebuilds the rest from what it sent.
    return this.#outbox.enqueue('hotline:send', id, {
      linkId,
      clientMsgId: id,
      text,
      precedence: options.precedence ?? 'routine',
      drill: options.drill ?? false,
      reply: 'seal',
    });
  }

  /** Raises an incident alert; queued while offline. */
  raiseAlert(req: Omit<AlertRaiseRequest, 'clientAlertId'> & { clientAlertId?: string }): Promise<AlertResult> {
    const id = req.clientAlertId ?? newClientId();
    return this.#outbox.enqueue('alert:raise', id, { ...req, clientAlertId: id });
  }

  /** Acknowledges a flash or immediate message of the counterpart (quoting its hash); queued while offline. */
  ackMessage(linkId: string, seq: number): Promise<MessageAckResult> {
    return this.#outbox.enqueue('hotline:ack', newClientId(), { linkId, seq });
  }

  /** Answers a line check for this operator's post (quoting the check's hash); queued while offline. */
  answerLineCheck(linkId: string, checkId: string): Promise<LineCheckAnswerResult> {
    return this.#outbox.enqueue('linecheck:answer', newClientId(), { linkId, checkId });
  }

  ackAlert(alertId: string, text?: string): Promise<AlertResult> {
    return this.#outbox.enqueue('alert:ack', newClientId(), text === undefined ? { alertId } : { alertId, text });
  }

  commentAlert(alertId: string, text: string): Promise<AlertResult> {
    const id = newClientId();
    return this.#outbox.enqueue('alert:comment', id, { alertId, clientCommentId: id, text });
  }

  resolveAlert(alertId: string, resolution: string): Promise<AlertResult> {
    return this.#outbox.enqueue('alert:resolve', newClientId(), { alertId, text: resolution });
  }

  cancelAlert(alertId: string, reason?: string): Promise<AlertResult> {
    return this.#outbox.enqueue('alert:cancel', newClientId(), reason === undefined ? { alertId } : { alertId, text: reason });
  }

  /** Retries what an earlier page or process left in the outbox (promises are gone; results arrive as entries). */
  retryOutbox(): void {
    void this.#outbox.flush();
  }

  /** Drops an item that has not gone out yet (e.g. the operator discards a queued message). */
  discard(id: string): boolean {
    return this.#outbox.discard(id);
  }

  /** Records that the user has read a link up to `uptoSeq` (sent now, or on reconnect). */
  markRead(linkId: string, uptoSeq: number): void {
    this.#receipts.markRead(linkId, uptoSeq);
  }

  // --- the session on each connection ---------------------------------------------------------------

  /**
   * On every connection: register the signing key and sync, then send what waits. The registration and
   * the first sync page go out together (one round trip instead of two on a long link): a sync is a read
   * and needs no key, and everything signed waits for the registration (see Signing.prepare). A step
   * that fails (a timeout on a busy server) is retried with backoff while this connection lasts, so
   * `connect()` never waits on a sync that was lost.
   */
  async #startSession(): Promise<void> {
    this.#freshToken = undefined;
    for (let attempt = 0; this.#connection.connected && !this.#connection.closed; attempt++) {
      try {
        const registered = this.#signing.register();
        const synced = this.#sync.sync();
        // Both settle before either outcome is acted on (no rejection left unobserved).
        const [r, s] = await Promise.allSettled([registered, synced]);
        if (r.status === 'rejected') throw r.reason;
        if (s.status === 'rejected') throw s.reason;
        this.#receipts.flush();
        void this.#outbox.flush();
        void this.catchUpInbox().catch(() => undefined);
        return;
      } catch (err) {
        if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) {
          await this.#refused(err.message, this.#connection.presentedToken);
          return;
        }
        // Jittered (many consoles start their sessions at once after a node fails), and no sooner than
        // a server shedding load asked.
        await new Promise((r) => setTimeout(r, retryDelay(attempt, { baseMs: 200, maxMs: 5000 }, err)));
      }
    }
  }

  /**
   * The server refused `token`: get a new one and reconnect with it (the keeper's `renewed`), unless
   * there is no getToken, it refuses, or the refused token is one it just gave.
   */
  async #refused(reason: string, token: string | undefined): Promise<void> {
    // A refusal of a token already replaced: the reconnection with the new one is under way.
    if (token !== undefined && token !== this.#tokens.token) return;
    if (this.#tokens.canRenew && token !== this.#freshToken && (await this.#tokens.renew())) return;
    this.#unauthenticated(this.#tokens.refusal ?? reason);
  }

  #unauthenticated(reason: string): void {
    if (!this.#connection.connected) this.#connection.setStatus('offline');
    if (this.#reportedToken === this.#tokens.token) return;
    this.#reportedToken = this.#tokens.token;
    this.emit('unauthenticated', reason);
  }

  #onDeliver(entry: Entry): void {
    this.#signing.noteEntry(entry);
    this.#receipts.entry(entry);
    this.emit('entry', entry);
  }
}
