import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  ErrorCode,
  isSignedAct,
  withSignedDefaults,
  type Checkpoint,
  type Ack,
  type AckFn,
  type AlertRaiseRequest,
  type AlertResult,
  type ClientToServerEvents,
  type Entry,
  type Escalation,
  type InboxResult,
  type LineCheckAnswerResult,
  type MessageAckResult,
  type LoginResponse,
  type Precedence,
  type Presence,
  type SendResult,
  type ServerToClientEvents,
  type SessionUser,
  type VisibleTopology,
} from '@hotline/shared';
import { TypedEmitter } from './emitter.js';
import { HotlineError } from './errors.js';
import { newClientId } from './ids.js';
import { LinkTracker } from './link-tracker.js';
import { MemoryStorage, type ClientStorage } from './storage.js';
import { RecordGuard } from './record-guard.js';
import { ActionSigner } from './signer.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The payload type of a client event. */
export type RequestOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];
/** The success result of a client event's ack. */
export type ResultOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends AckFn<infer T> ? T : never;

/** Events that go through the outbox: idempotent by their ids, so retrying them is always safe. */
export type OutboxEvent =
  | 'hotline:send'
  | 'hotline:ack'
  | 'linecheck:answer'
  | 'alert:raise'
  | 'alert:ack'
  | 'alert:comment'
  | 'alert:resolve'
  | 'alert:cancel';

export interface OutboxItem<E extends OutboxEvent = OutboxEvent> {
  /** The item's own id (also its clientMsgId / clientAlertId / clientCommentId where it has one). */
  id: string;
  event: E;
  payload: RequestOf<E>;
  createdAt: number;
  attempts: number;
  lastError?: string;
}

export interface HotlineClientOptions {
  /** Base URL of the service, e.g. "http://127.0.0.1:8080". */
  url: string;
  token: string;
  /** The logged-in user, if known (from login); fetched from /api/me otherwise. */
  user?: SessionUser;
  /** When the token expires (from login); fetched from /api/me otherwise. */
  expiresAt?: number;
  /** Sign every action with this client's own key (registered on each connect). @default true */
  signing?: boolean;
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
  /** Options passed to socket.io-client. */
  socket?: Partial<ManagerOptions & SocketOptions>;
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
  /** The token was refused: log in again and call setToken() then connect(). */
  unauthenticated: (reason: string) => void;
  /** An outbox item was refused for good (validation, permission, conflict) and dropped. */
  failed: (item: OutboxItem, error: HotlineError) => void;
}

interface Waiter {
  resolve: (result: never) => void;
  reject: (err: HotlineError) => void;
}

const OUTBOX_KEY = 'outbox';

/** Fetch JSON from the HTTP API; failures become HotlineError with the server's code. */
export async function apiFetch<T>(baseUrl: string, path: string, init: { token?: string; method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (err) {
    throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: `cannot reach ${baseUrl}: ${(err as Error).message}` });
  }
  const body = (await res.json().catch(() => null)) as ({ error?: { code: ErrorCode; message: string } } & T) | null;
  if (!res.ok) {
    throw new HotlineError(body?.error ?? { code: ErrorCode.INTERNAL, message: `HTTP ${res.status}` });
  }
  return body as T;
}

/**
 * A typed client of the hotline: login, live entries in order and exactly once, an outbox that holds
 * sends while disconnected and retries them under the same ids, and sync on every (re)connect.
 */
export class HotlineClient extends TypedEmitter<ClientEvents> {
  readonly url: string;
  #token: string;
  #user: SessionUser | undefined;
  readonly #options: HotlineClientOptions;
  readonly #storage: ClientStorage;
  readonly #ackTimeoutMs: number;
  readonly #tracker: LinkTracker;
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  #status: ConnectionStatus = 'offline';
  #statusSince = Date.now();
  #outbox: OutboxItem[];
  readonly #waiters = new Map<string, Waiter>();
  #flushing = false;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  #closed = false;
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  #gapTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #pendingDelivered = new Map<string, number>();
  readonly #pendingRead = new Map<string, number>();
  #receiptTimer: ReturnType<typeof setTimeout> | undefined;
  #links: string[] = [];
  #retries = 0;
  #expiresAt: number | undefined;
  #signer: ActionSigner | undefined;
  #signerValidUntil = 0;
  readonly #guard: RecordGuard;
  /** Hash of each alert's alert.raised entry, which acknowledgements quote. */
  readonly #raisedHashes = new Map<string, string>();
  /** Hash of each line check's linecheck.started entry, which answers quote. */
  readonly #checkHashes = new Map<string, string>();
  /** Inbox positions already delivered as `escalation` events, and the highest position below which all are. */
  readonly #inboxSeen = new Set<number>();
  #inboxContiguous = 0;

  /** Logs in with username and password. */
  static login(url: string, username: string, password: string): Promise<LoginResponse> {
    return apiFetch<LoginResponse>(url, '/api/auth/login', { body: { username, password } });
  }

  constructor(options: HotlineClientOptions) {
    super();
    this.url = options.url;
    this.#token = options.token;
    this.#user = options.user;
    this.#options = options;
    this.#storage = options.storage ?? new MemoryStorage();
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.#outbox = this.#loadOutbox();
    this.#expiresAt = options.expiresAt;
    this.#guard = new RecordGuard(this.#storage, (linkId, seq, detail) => this.emit('fork', { linkId, seq, detail }));
    this.#tracker = new LinkTracker({
      deliver: (entry) => this.#onDeliver(entry),
      gap: (linkId, expectedSeq, gotSeq) => {
        this.emit('gap', { linkId, expectedSeq, gotSeq });
        this.#scheduleGapSync();
      },
      fork: (linkId, info) =>
        this.emit('fork', {
          linkId,
          seq: info.seq,
          detail:
            'serverSeq' in info
              ? `the server's log ends at ${info.serverSeq}, but this client holds entries up to ${info.seq}`
              : `entry ${info.seq} has hash ${info.serverHash} on the server, but ${info.heldHash} here`,
        }),
    }, options.cursors);
  }

  get status(): ConnectionStatus {
    return this.#status;
  }
  get statusSince(): number {
    return this.#statusSince;
  }
  get user(): SessionUser | undefined {
    return this.#user;
  }
  get token(): string {
    return this.#token;
  }
  get links(): readonly string[] {
    return this.#links;
  }
  get outbox(): readonly OutboxItem[] {
    return this.#outbox;
  }
  /** Attempts of outbox items that had to be repeated (timeouts, rate limits, outages) since construction. */
  get retries(): number {
    return this.#retries;
  }
  /** Last seq delivered to the application for a link. */
  cursor(linkId: string): number {
    return this.#tracker.cursor(linkId);
  }
  /** Hash of the last entry delivered for a link. */
  lastHash(linkId: string): string | undefined {
    return this.#tracker.lastHash.get(linkId);
  }

  /** Replaces the token (after a new login); takes effect at the next connection. */
  setToken(token: string, expiresAt?: number): void {
    this.#token = token;
    this.#expiresAt = expiresAt;
  }

  /** The id of this client's current signing key, once registered. */
  get keyId(): string | undefined {
    return this.#signer?.keyId;
  }

  /** The latest server checkpoint this client holds for a link. */
  checkpoint(linkId: string): Checkpoint | undefined {
    return this.#guard.checkpoint(linkId);
  }

  /** Fetches what the user may see of the topology. */
  topology(): Promise<VisibleTopology> {
    return apiFetch<VisibleTopology>(this.url, '/api/topology', { token: this.#token });
  }

  /** GET an HTTP API path with this client's token. */
  api<T>(path: string): Promise<T> {
    return apiFetch<T>(this.url, path, { token: this.#token });
  }

  /**
   * Connects, follows the links, and resolves after the first sync. Reconnects on its own afterwards,
   * syncing each time. Rejects with UNAUTHENTICATED when the token is refused.
   */
  async connect(): Promise<void> {
    this.#closed = false;
    if (!this.#user || this.#expiresAt === undefined) {
      const me = await apiFetch<{ user: SessionUser; expiresAt: number }>(this.url, '/api/me', { token: this.#token });
      this.#user = me.user;
      this.#expiresAt = me.expiresAt;
    }
    if (!this.#guard.hasServerKey) this.#guard.setServerKey(await apiFetch<{ keyId: string; publicKey: string }>(this.url, '/api/server-key'));
    if (this.#options.links) this.#links = [...this.#options.links];
    else this.#links = (await this.topology()).links.map((l) => l.id);
    for (const id of this.#links) this.#tracker.follow(id);

    if (this.#socket) {
      this.#socket.connect();
    } else {
      this.#socket = this.#createSocket();
    }
    this.#setStatus('connecting');
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
    if (this.#options.healthCheckMs !== 0 && !this.#healthTimer) {
      this.#healthTimer = setInterval(() => {
        if (this.#status === 'connected') void this.sync().catch(() => undefined);
      }, this.#options.healthCheckMs ?? 15_000);
    }
  }

  #createSocket(): Socket<ServerToClientEvents, ClientToServerEvents> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.url, {
      auth: (cb) => cb({ token: this.#token }),
      reconnectionDelay: 300,
      reconnectionDelayMax: 3000,
      randomizationFactor: 0.3,
      ...this.#options.socket,
    });
    socket.on('connect', () => {
      this.#setStatus('connected');
      void this.#afterConnect(socket);
    });
    socket.on('disconnect', (reason) => {
      // Anything socket.io buffered while offline would go out later without our timeouts: drop it, the
      // outbox resends under the same ids.
      socket.sendBuffer = [];
      if (this.#closed) return;
      this.#setStatus('reconnecting');
      if (reason === 'io server disconnect') {
        // The server let us go (shutdown, or an expired token): try again; a refused token shows up as
        // connect_error UNAUTHENTICATED.
        setTimeout(() => {
          if (!this.#closed && !socket.connected) socket.connect();
        }, 300);
      }
    });
    socket.on('connect_error', (err: Error & { data?: { reason?: string } }) => {
      if (err.message === ErrorCode.UNAUTHENTICATED) {
        this.#setStatus('offline');
        this.emit('unauthenticated', err.data?.reason ?? 'token refused');
        return;
      }
      if (this.#status !== 'connecting') this.#setStatus('reconnecting');
    });
    socket.on('entry', (entry) => this.#tracker.accept(entry));
    socket.on('presence', (p) => this.emit('presence', p));
    socket.on('escalation', (e) => this.#deliverEscalation(e));
    socket.on('checkpoint', (cp) => void this.#guard.accept(cp));
    return socket;
  }

  /**
   * On every connection: register the signing key, sync, then send what waits. A step that fails (a
   * timeout on a busy server) is retried with backoff while this connection lasts, so `connect()` never
   * waits on a sync that was lost.
   */
  async #afterConnect(socket: Socket<ServerToClientEvents, ClientToServerEvents>): Promise<void> {
    for (let attempt = 0; socket.connected && !this.#closed; attempt++) {
      try {
        await this.#registerKey();
        await this.sync();
        this.#flushReceipts();
        void this.#flush();
        void this.catchUpInbox().catch(() => undefined);
        return;
      } catch (err) {
        if (err instanceof HotlineError && err.code === ErrorCode.UNAUTHENTICATED) {
          this.emit('unauthenticated', err.message);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
      }
    }
  }

  /** Disconnects and stops reconnecting. The outbox is kept (in storage) for the next connect. */
  close(): void {
    this.#closed = true;
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    if (this.#receiptTimer) clearTimeout(this.#receiptTimer);
    this.#socket?.disconnect();
    this.#setStatus('offline');
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#statusSince = Date.now();
    this.emit('status', status, this.#statusSince);
  }

  // --- requests ---------------------------------------------------------------------------------

  /**
   * Sends one event and waits for its ack. Throws HotlineError: the server's code, TIMEOUT after
   * `ackTimeoutMs`, or DISCONNECTED when not connected (nothing is buffered behind your back).
   */
  async request<E extends keyof ClientToServerEvents>(event: E, payload: RequestOf<E>): Promise<ResultOf<E>> {
    const socket = this.#socket;
    if (!socket?.connected) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'not connected' });
    if (this.#options.signing !== false && isSignedAct(event) && (payload as { sig?: unknown }).sig === undefined) {
      payload = await this.#signed(event, payload);
    }
    let ack: Ack<ResultOf<E>>;
    try {
      ack = (await (socket.timeout(this.#ackTimeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(
        event,
        payload,
      )) as Ack<ResultOf<E>>;
    } catch {
      throw new HotlineError({ code: ErrorCode.TIMEOUT, message: `${event}: no answer within ${this.#ackTimeoutMs} ms` });
    }
    if (!ack.ok) throw new HotlineError(ack.error);
    const { ok: _ok, ...result } = ack as { ok: true } & ResultOf<E>;
    return result as unknown as ResultOf<E>;
  }

  /** Completes what a signed action quotes (hashes it acknowledges) and signs it. */
  async #signed<E extends keyof ClientToServerEvents>(event: E & string, payload: RequestOf<E>): Promise<RequestOf<E>> {
    if (!this.#signer) await this.#registerKey();
    // Sign exactly what the server will see: the payload with the schema's defaults applied.
    const fields = isSignedAct(event) ? withSignedDefaults(event, payload as Record<string, unknown>) : { ...(payload as Record<string, unknown>) };
    if ((event === 'hotline:read' || event === 'hotline:delivered') && fields.uptoHash === undefined) {
      const hash = this.#guard.hashAt(String(fields.linkId), Number(fields.uptoSeq));
      if (hash) fields.uptoHash = hash;
    }
    if (event === 'hotline:ack' && fields.quotedHash === undefined) {
      const hash = this.#guard.hashAt(String(fields.linkId), Number(fields.seq));
      if (hash) fields.quotedHash = hash;
    }
    if (event === 'linecheck:answer' && fields.quotedHash === undefined) {
      const hash = this.#checkHashes.get(String(fields.checkId));
      if (hash) fields.quotedHash = hash;
    }
    if (event === 'alert:ack' && fields.quotedHash === undefined) {
      const alertId = String(fields.alertId);
      fields.quotedHash =
        this.#raisedHashes.get(alertId) ?? (await this.api<{ alert: { raisedHash: string } }>(`/api/alerts/${encodeURIComponent(alertId)}`)).alert.raisedHash;
    }
    if (!isSignedAct(event) || !this.#signer || !this.#user) return fields as RequestOf<E>;
    fields.sig = await this.#signer.sign(event, this.#user.id, fields);
    return fields as RequestOf<E>;
  }

  /** Registers this client's signing key (a new one when the current one is about to expire). */
  async #registerKey(): Promise<void> {
    if (this.#options.signing === false || !this.#user) return;
    const validUntil = this.#expiresAt ?? Date.now() + 3_600_000;
    if (!this.#signer || this.#signerValidUntil < Date.now() + 60_000 || this.#signerValidUntil > validUntil) {
      this.#signer = await ActionSigner.generate();
      this.#signerValidUntil = validUntil;
    }
    const signer = this.#signer;
    const sig = await signer.sign('key:register', this.#user.id, { keyId: signer.keyId, publicKey: signer.publicKey, validUntil: this.#signerValidUntil });
    const result = await this.request('key:register', { publicKey: signer.publicKey, validUntil: this.#signerValidUntil, sig });
    this.#signerValidUntil = result.validUntil;
  }

  /** Fetches everything after the current cursors, page by page; entries go out as `entry` events. */
  sync(): Promise<void> {
    if (this.#syncing) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      try {
        do {
          this.#syncAgain = false;
          let hasMore = true;
          while (hasMore) {
            const cursors: Record<string, number> = {};
            for (const id of this.#links) cursors[id] = this.#tracker.cursor(id);
            if (this.#links.length === 0) break;
            const page = await this.request('sync', { cursors, limit: 1000 });
            for (const entry of page.entries) this.#tracker.accept(entry);
            this.#tracker.checkHeads(page.heads, cursors);
            this.#guard.heads(page.heads);
            for (const cp of Object.values(page.checkpoints ?? {})) await this.#guard.accept(cp);
            hasMore = page.hasMore;
          }
        } while (this.#syncAgain);
      } finally {
        this.#syncing = undefined;
      }
      this.emit('synced');
    })();
    return this.#syncing;
  }

  #scheduleGapSync(): void {
    if (this.#gapTimer) return;
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = undefined;
      if (this.#tracker.hasGaps() && this.#status === 'connected') void this.sync().catch(() => undefined);
    }, 250);
  }

  // --- escalation inbox -------------------------------------------------------------------------

  #deliverEscalation(escalation: Escalation): void {
    if (escalation.alert) this.#raisedHashes.set(escalation.alert.alertId, escalation.alert.raisedHash);
    if (this.#inboxSeen.has(escalation.position) || escalation.position <= this.#inboxContiguous) return;
    this.#inboxSeen.add(escalation.position);
    while (this.#inboxSeen.has(this.#inboxContiguous + 1)) this.#inboxSeen.delete(++this.#inboxContiguous);
    this.emit('escalation', escalation);
  }

  /** Fetches escalations that reached this user while disconnected; each is emitted once. */
  async catchUpInbox(): Promise<InboxResult> {
    let result: InboxResult;
    do {
      result = await this.api<InboxResult>(`/api/inbox?after=${this.#inboxContiguous}&limit=500`);
      for (const e of result.escalations) this.#deliverEscalation(e);
    } while (result.escalations.length === 500);
    return result;
  }

  /** Marks the inbox read up to a position. */
  markInboxRead(uptoPosition: number): Promise<InboxResult> {
    return this.request('inbox:read', { uptoPosition });
  }

  // --- outbox -----------------------------------------------------------------------------------

  /** Sends a hotline message; queued while offline. Resolves with the stored entry. */
  send(linkId: string, text: string, options: { precedence?: Precedence; drill?: boolean; clientMsgId?: string } = {}): Promise<SendResult> {
    const id = options.clientMsgId ?? newClientId();
    return this.#enqueue('hotline:send', id, {
      linkId,
      clientMsgId: id,
      text,
      precedence: options.precedence ?? 'routine',
      drill: options.drill ?? false,
    });
  }

  /** Raises an incident alert; queued while offline. */
  raiseAlert(req: Omit<AlertRaiseRequest, 'clientAlertId'> & { clientAlertId?: string }): Promise<AlertResult> {
    const id = req.clientAlertId ?? newClientId();
    return this.#enqueue('alert:raise', id, { ...req, clientAlertId: id });
  }

  /** Acknowledges a flash or immediate message of the counterpart (quoting its hash); queued while offline. */
  ackMessage(linkId: string, seq: number): Promise<MessageAckResult> {
    return this.#enqueue('hotline:ack', newClientId(), { linkId, seq });
  }

  /** Answers a line check for this operator's post (quoting the check's hash); queued while offline. */
  answerLineCheck(linkId: string, checkId: string): Promise<LineCheckAnswerResult> {
    return this.#enqueue('linecheck:answer', newClientId(), { linkId, checkId });
  }

  ackAlert(alertId: string, text?: string): Promise<AlertResult> {
    return this.#enqueue('alert:ack', newClientId(), text === undefined ? { alertId } : { alertId, text });
  }

  commentAlert(alertId: string, text: string): Promise<AlertResult> {
    const id = newClientId();
    return this.#enqueue('alert:comment', id, { alertId, clientCommentId: id, text });
  }

  resolveAlert(alertId: string, resolution: string): Promise<AlertResult> {
    return this.#enqueue('alert:resolve', newClientId(), { alertId, text: resolution });
  }

  cancelAlert(alertId: string, reason?: string): Promise<AlertResult> {
    return this.#enqueue('alert:cancel', newClientId(), reason === undefined ? { alertId } : { alertId, text: reason });
  }

  /** Records that the user has read a link up to `uptoSeq` (sent now, or on reconnect). */
  markRead(linkId: string, uptoSeq: number): void {
    if ((this.#pendingRead.get(linkId) ?? 0) >= uptoSeq) return;
    this.#pendingRead.set(linkId, uptoSeq);
    this.#scheduleReceipts(0);
  }

  #enqueue<E extends OutboxEvent>(event: E, id: string, payload: RequestOf<E>): Promise<ResultOf<E>> {
    const item: OutboxItem<E> = { id, event, payload, createdAt: Date.now(), attempts: 0 };
    this.#outbox.push(item as unknown as OutboxItem);
    this.#saveOutbox();
    const promise = new Promise<ResultOf<E>>((resolve, reject) => {
      this.#waiters.set(id, { resolve: resolve as (r: never) => void, reject });
    });
    void this.#flush();
    return promise;
  }

  /** Retries what an earlier page or process left in the outbox (promises are gone; results arrive as entries). */
  retryOutbox(): void {
    void this.#flush();
  }

  /** Drops an item that has not gone out yet (e.g. the operator discards a queued message). */
  discard(id: string): boolean {
    const index = this.#outbox.findIndex((i) => i.id === id);
    if (index < 0 || (index === 0 && this.#flushing)) return false;
    this.#outbox.splice(index, 1);
    this.#saveOutbox();
    this.#waiters.get(id)?.reject(new HotlineError({ code: ErrorCode.CONFLICT, message: 'discarded from the outbox' }));
    this.#waiters.delete(id);
    return true;
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      let backoff = 200;
      while (this.#outbox.length > 0 && this.#socket?.connected && !this.#closed) {
        const item = this.#outbox[0]!;
        item.attempts++;
        try {
          const result = await this.request(item.event, item.payload as never);
          this.#outbox.shift();
          this.#saveOutbox();
          this.#waiters.get(item.id)?.resolve(result as never);
          this.#waiters.delete(item.id);
          backoff = 200;
        } catch (err) {
          const error = err as HotlineError;
          if (error.retryable) {
            this.#retries++;
            item.lastError = error.code;
            this.#saveOutbox();
            const delay = error.code === ErrorCode.RATE_LIMITED ? Number(error.details?.retryAfterMs ?? backoff) : backoff;
            await new Promise((r) => setTimeout(r, delay));
            backoff = Math.min(backoff * 2, 5000);
            continue;
          }
          this.#outbox.shift();
          this.#saveOutbox();
          this.#waiters.get(item.id)?.reject(error);
          this.#waiters.delete(item.id);
          this.emit('failed', item, error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #loadOutbox(): OutboxItem[] {
    try {
      const raw = this.#storage.get(OUTBOX_KEY);
      const items = raw ? (JSON.parse(raw) as OutboxItem[]) : [];
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  #saveOutbox(): void {
    this.#storage.set(OUTBOX_KEY, JSON.stringify(this.#outbox));
    this.emit('outbox', this.#outbox);
  }

  // --- receipts ---------------------------------------------------------------------------------

  #onDeliver(entry: Entry): void {
    this.#guard.entry(entry);
    if (entry.type === 'alert.raised') this.#raisedHashes.set(entry.payload.alertId, entry.hash);
    if (entry.type === 'linecheck.started') this.#checkHashes.set(entry.payload.checkId, entry.hash);
    if (this.#pendingRead.has(entry.linkId)) this.#scheduleReceipts(50);
    const me = this.#user;
    if (
      entry.type === 'message' &&
      me?.post &&
      this.#options.deliveredReceipts !== false &&
      entry.actor.postId !== me.post
    ) {
      if ((this.#pendingDelivered.get(entry.linkId) ?? 0) < entry.seq) this.#pendingDelivered.set(entry.linkId, entry.seq);
      this.#scheduleReceipts(200);
    }
    this.emit('entry', entry);
  }

  #scheduleReceipts(delay: number): void {
    if (this.#receiptTimer) return;
    this.#receiptTimer = setTimeout(() => {
      this.#receiptTimer = undefined;
      this.#flushReceipts();
    }, delay);
  }

  #flushReceipts(): void {
    if (!this.#socket?.connected) return;
    for (const [map, event] of [
      [this.#pendingRead, 'hotline:read'],
      [this.#pendingDelivered, 'hotline:delivered'],
    ] as const) {
      for (const [linkId, uptoSeq] of map) {
        const uptoHash = this.#guard.hashAt(linkId, uptoSeq);
        if (!uptoHash) continue; // not delivered here yet: sent once it is
        map.delete(linkId);
        this.request(event, { linkId, uptoSeq, uptoHash }).catch((err: HotlineError) => {
          // Keep it for the next connection if it could not be delivered; drop it if refused.
          if (err.retryable && (map.get(linkId) ?? 0) < uptoSeq) map.set(linkId, uptoSeq);
        });
      }
    }
  }
}
