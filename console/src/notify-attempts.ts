import type { HotlineClient } from '@hotline/client-sdk';
import type { ContactGateway, ContactRulesAnswer, NotificationAttempt } from '@hotline/shared';

/**
 * How soon after a fetch that left a notification in flight the console asks again, doubling up to MAX:
 * a commander looking at an alert sees a delivery within a few seconds of it, and one small request every
 * few seconds per alert in flight is cheap even on a GPRS link.
 */
export const FOLLOW_UP_MS = 1000;
const FOLLOW_UP_MAX_MS = 5000;
/** After this many follow-ups without a new entry on the alert (about two and a half minutes), it waits for the next entry. */
const FOLLOW_UPS = 32;

interface Slot {
  attempts: NotificationAttempt[] | null;
  /** What the alert looked like when last fetched (its last entry); a new one fetches again. */
  stamp: string;
  loading: boolean;
  followUps: number;
  state: AlertNow;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The notification attempts of alerts (GET /api/alerts/:id/notifications), fetched when a view shows an
 * alert and again when the alert gets a new entry (an escalation, an acknowledgement). The server sends
 * no event per attempt, so while a notification is still in flight (queued, sent without an answer,
 * failed with a retry to come) one alert is asked again with a delay doubling from 1 s to 5 s, for about two and a half minutes.
 * Also holds the gateways the server names for this user (GET /api/notifications/contacts), to call a
 * channel by its name.
 */
export class NotificationAttempts {
  readonly #client: HotlineClient;
  readonly #changed: () => void;
  readonly #slots = new Map<string, Slot>();
  #gateways: ContactGateway[] = [];
  #gatewaysAsked = false;
  #version = 0;
  #disposed = false;

  constructor(client: HotlineClient, changed: () => void) {
    this.#client = client;
    this.#changed = changed;
  }

  /** Grows whenever some alert's attempts (or the gateway names) change: views put it in their stamps. */
  get version(): number {
    return this.#version;
  }

  /** The attempts last fetched for an alert, oldest first; null before the first answer. */
  of(alertId: string): readonly NotificationAttempt[] | null {
    return this.#slots.get(alertId)?.attempts ?? null;
  }

  gateway(id: string): ContactGateway | undefined {
    return this.#gateways.find((g) => g.id === id);
  }

  /** The contact settings answered: their gateways name the channels from now on. */
  learnGateways(answer: ContactRulesAnswer): void {
    this.#gateways = answer.gateways;
    this.#gatewaysAsked = true;
    this.#version++;
    this.#changed();
  }

  /**
   * A view shows the alert as `stamp` (its latest entry): fetches the attempts if this alert was never
   * fetched or changed since. Cheap to call on every render.
   */
  want(alertId: string, stamp: string, state: AlertNow): void {
    if (this.#disposed) return;
    if (!this.#gatewaysAsked) {
      this.#gatewaysAsked = true;
      this.#client
        .api<ContactRulesAnswer>('/api/notifications/contacts')
        .then((a) => this.learnGateways(a))
        .catch(() => {
          this.#gatewaysAsked = false; // asked again with the next alert shown
        });
    }
    let slot = this.#slots.get(alertId);
    if (slot && slot.stamp === stamp) return;
    if (!slot) {
      slot = { attempts: null, stamp, state, loading: false, followUps: 0, timer: undefined };
      this.#slots.set(alertId, slot);
    }
    slot.stamp = stamp;
    slot.followUps = 0;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.state = state;
    void this.#fetch(alertId, slot);
  }

  async #fetch(alertId: string, slot: Slot): Promise<void> {
    if (slot.loading || this.#disposed) return;
    slot.loading = true;
    const stamp = slot.stamp;
    try {
      const { attempts } = await this.#client.api<{ attempts: NotificationAttempt[] }>(`/api/alerts/${encodeURIComponent(alertId)}/notifications`);
      if (this.#disposed) return;
      const sorted = [...attempts].sort((a, b) => a.at - b.at);
      if (JSON.stringify(sorted) !== JSON.stringify(slot.attempts)) {
        slot.attempts = sorted;
        this.#version++;
        this.#changed();
      }
    } catch {
      // Offline or refused: the next entry on the alert asks again.
    } finally {
      slot.loading = false;
    }
    if (this.#disposed) return;
    // A new entry came while this was on the way: ask again for it now.
    if (slot.stamp !== stamp) {
      void this.#fetch(alertId, slot);
      return;
    }
    if (slot.attempts && inFlight(slot.attempts, slot.state) && slot.followUps < FOLLOW_UPS) {
      const delay = Math.min(FOLLOW_UP_MAX_MS, FOLLOW_UP_MS * 2 ** slot.followUps);
      slot.followUps++;
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        void this.#fetch(alertId, slot);
      }, delay);
    }
  }

  dispose(): void {
    this.#disposed = true;
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
  }
}

/** What a view knows of the alert: whether it is open, and the entry whose notification steps are to follow. */
export interface AlertNow {
  open: boolean;
  /**
   * When the latest entry that makes attempts was written (an escalation of the open alert, or an
   * acknowledgement through a gateway): the server records those attempts just after the entry.
   */
  expectSince: number | null;
}

/**
 * Whether something more is to come: nothing is recorded yet since the entry that makes attempts (the
 * server records a level's whole plan in one write, so anything recorded means all of it is), or a
 * channel's latest step is queued, bundled, sent, or a failure to be retried.
 */
export function inFlight(attempts: readonly NotificationAttempt[], { open, expectSince }: AlertNow): boolean {
  if (expectSince !== null && !attempts.some((a) => a.at >= expectSince)) return true;
  const last = new Map<string, NotificationAttempt>();
  for (const a of attempts) last.set(`${a.userId}|${a.channel}`, a);
  for (const a of last.values()) {
    if (a.kind === 'sent') return true;
    if (a.kind === 'failed' && a.detail?.startsWith('attempt ')) return true;
    // A queued or bundled step only goes out while the alert is open.
    if (open && (a.kind === 'queued' || a.kind === 'bundled')) return true;
  }
  return false;
}
