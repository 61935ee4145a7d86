import type { ConnectionStatus, HotlineClient } from '@hotline/client-sdk';
import { fill, h } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';
import { t } from '../i18n/index.js';

/**
 * The line indicator in the header: CONNECTED, CONNECTING (until the first sync), RECONNECTING or
 * OFFLINE (no network, or the session ended), with how long the line has been down, counted from
 * when it was lost after the first sync.
 */
export class LineStatus {
  readonly el: HTMLElement;
  readonly #client: HotlineClient;
  #firstSynced = false;
  /** When the line was lost after the first sync, while it stays down. */
  #lostAt: number | null = null;

  constructor(client: HotlineClient) {
    this.#client = client;
    this.el = h('div', { class: 'conn', attrs: { role: 'status', 'aria-live': 'polite', 'data-status': 'connecting' } });
  }

  /** The first sync has finished: news from now on is live (sounds, notices). */
  get firstSynced(): boolean {
    return this.#firstSynced;
  }

  /** A sync finished; true for the first one. */
  synced(): boolean {
    if (this.#firstSynced) return false;
    this.#firstSynced = true;
    return true;
  }

  /** The client's status changed. Returns how long the line was down when it is back, else null. */
  statusChanged(status: ConnectionStatus): number | null {
    if (status === 'connected') {
      const down = this.#lostAt === null ? null : Date.now() - this.#lostAt;
      this.#lostAt = null;
      return down;
    }
    if (this.#lostAt === null && this.#firstSynced) this.#lostAt = Date.now();
    return null;
  }

  update(): void {
    const client = this.#client;
    const status = client.status;
    const noNetwork = typeof navigator !== 'undefined' && navigator.onLine === false;
    let state: string;
    let label: string;
    let since: number | null = null;
    if (status === 'connected') {
      state = 'connected';
      label = t('line.connected');
    } else if (status === 'connecting' && !this.#firstSynced) {
      state = 'connecting';
      label = t('line.connecting');
      since = client.statusSince;
    } else if (status === 'offline' || noNetwork) {
      state = 'offline';
      label = noNetwork ? t('line.offlineNoNetwork') : t('line.offline');
      since = this.#lostAt ?? client.statusSince;
    } else {
      state = 'reconnecting';
      label = t('line.reconnecting');
      since = this.#lostAt ?? client.statusSince;
    }
    this.el.dataset.status = state;
    // Registered and at every link's head at least once: what is on screen is the record, not a cache.
    if (this.#firstSynced) this.el.dataset.synced = 'true';
    const stamp = `${state}:${label}:${since}`;
    if (this.el.dataset.stamp === stamp) return;
    this.el.dataset.stamp = stamp;
    fill(
      this.el,
      h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'conn-label' }, label),
      since !== null ? h('span', { class: 'conn-since', attrs: { 'data-since': since, title: t('line.since', { time: formatTime(since) }) } }, formatDuration(Date.now() - since)) : null,
    );
  }
}
