import { ErrorCode } from '@hotline/shared';
import type { ClientResultOf, RequestOf } from './calls.js';
import { retryDelay } from './backoff.js';
import { HotlineError } from './errors.js';
import type { ClientStorage } from './storage.js';

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

/** An action waiting in the outbox. */
export interface OutboxItem<E extends OutboxEvent = OutboxEvent> {
  /** The item's own id (also its clientMsgId / clientAlertId / clientCommentId where it has one). */
  id: string;
  event: E;
  payload: RequestOf<E>;
  createdAt: number;
  attempts: number;
  lastError?: string;
}

export interface OutboxDeps {
  /** Where items wait across restarts. */
  storage: ClientStorage;
  /** Sends one event; throws HotlineError. */
  send<E extends OutboxEvent>(event: E, payload: RequestOf<E>): Promise<ClientResultOf<E>>;
  /** Whether items may go out now (connected, not closed). */
  canSend(): boolean;
  /** The items changed (queued, sent, failed, retried). */
  changed(items: readonly OutboxItem[]): void;
  /** An item was refused for good and dropped. */
  failed(item: OutboxItem, error: HotlineError): void;
}

/** The caller still waiting on an item queued in this process. */
interface Waiter {
  /** Sends the item; resolves with the step that hands its result to the caller. */
  send(): Promise<() => void>;
  reject(error: HotlineError): void;
}

const OUTBOX_KEY = 'outbox';

/**
 * Idempotent actions (messages, alerts and their acknowledgements) queued and sent one at a time, in
 * the order they were made.
 *
 * Guarantees: each item keeps its own id from the moment it is queued, so however often it is sent
 * the server stores it once. A retryable failure (timeout, rate limit, a busy or lost node) keeps the
 * item at the head and retries it with backoff (as long as the server asks, when rate-limited) while
 * sending may go on; a refusal (validation, permission, conflict) drops it, rejects its caller and
 * reports `failed`. Items are kept in storage, so they survive a reload; their callers are then gone,
 * and their results arrive as entries.
 */
export class Outbox {
  readonly #deps: OutboxDeps;
  readonly #items: OutboxItem[];
  readonly #waiters = new Map<string, Waiter>();
  #flushing = false;
  #retries = 0;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
    this.#items = load(deps.storage);
  }

  get items(): readonly OutboxItem[] {
    return this.#items;
  }

  /** Attempts that had to be repeated (timeouts, rate limits, outages). */
  get retries(): number {
    return this.#retries;
  }

  /** Queues an item and tries to send it; resolves with the server's result. */
  enqueue<E extends OutboxEvent>(event: E, id: string, payload: RequestOf<E>): Promise<ClientResultOf<E>> {
    const item: OutboxItem<E> = { id, event, payload, createdAt: Date.now(), attempts: 0 };
    const promise = new Promise<ClientResultOf<E>>((resolve, reject) => {
      this.#waiters.set(id, {
        send: async () => {
          const result = await this.#deps.send(event, payload);
          return () => resolve(result);
        },
        reject,
      });
    });
    this.#items.push(item);
    this.#save();
    void this.flush();
    return promise;
  }

  /** Drops an item that has not gone out yet; false when it is being sent right now, or unknown. */
  discard(id: string): boolean {
    const index = this.#items.findIndex((i) => i.id === id);
    if (index < 0 || (index === 0 && this.#flushing)) return false;
    this.#items.splice(index, 1);
    this.#save();
    this.#waiters.get(id)?.reject(new HotlineError({ code: ErrorCode.CONFLICT, message: 'discarded from the outbox' }));
    this.#waiters.delete(id);
    return true;
  }

  /** Sends what waits, in order, while sending may go on. One flush runs at a time. */
  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      let attempt = 0;
      while (this.#items.length > 0 && this.#deps.canSend()) {
        const item = this.#items[0]!;
        item.attempts++;
        const waiter = this.#waiters.get(item.id);
        try {
          const settle = waiter ? await waiter.send() : await this.#deps.send(item.event, item.payload).then(() => () => undefined);
          this.#items.shift();
          this.#save();
          this.#waiters.delete(item.id);
          settle();
          attempt = 0;
        } catch (err) {
          // Anything but the server's or the transport's answer (a bug, WebCrypto failing) would fail again.
          const error = err instanceof HotlineError ? err : new HotlineError({ code: ErrorCode.INTERNAL, message: String(err), retryable: false });
          if (error.retryable) {
            this.#retries++;
            item.lastError = error.code;
            this.#save();
            // Jittered, and at least what a rate-limiting or load-shedding server asked for.
            await new Promise((r) => setTimeout(r, retryDelay(attempt++, { baseMs: 200, maxMs: 5000 }, error)));
            continue;
          }
          this.#items.shift();
          this.#save();
          this.#waiters.get(item.id)?.reject(error);
          this.#waiters.delete(item.id);
          this.#deps.failed(item, error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #save(): void {
    this.#deps.storage.set(OUTBOX_KEY, JSON.stringify(this.#items));
    this.#deps.changed(this.#items);
  }
}

function load(storage: ClientStorage): OutboxItem[] {
  try {
    const raw = storage.get(OUTBOX_KEY);
    const items: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(items) ? items : [];
  } catch {
    return [];
  }
}
