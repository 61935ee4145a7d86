import type { AckVia, AttemptKind, NotificationAttempt } from '@hotline/shared';
import { h } from '../dom.js';
import { formatTime, isolate } from '../format.js';
import { t, tk } from '../i18n/index.js';
import type { AlertRecord } from '../model.js';
import type { NotificationAttempts } from '../notify-attempts.js';
import type { Ctx } from './common.js';

/**
 * Notification attempts as the console draws them: in an alert's timeline (one row per step of a
 * notification: queued, bundled, skipped and why, sent, delivered, failed, acknowledged through), as one
 * line per escalated alert in the inbox, and the "through SMS" of an acknowledgement made by reply.
 */

/** "Push", or the gateway's name, else its kind ("SMS", "Radio"), else its id. */
export function channelLabel(attempts: NotificationAttempts, channel: string): string {
  if (channel === 'push') return t('ntf.push');
  const id = channel.startsWith('gateway:') ? channel.slice('gateway:'.length) : channel;
  const g = attempts.gateway(id);
  if (g?.name) return isolate(g.name);
  if (g) return tk('ntf.kind.', g.kind);
  return isolate(id);
}

/** The gateway an acknowledgement came through (its `via`), if it was made outside the console. */
export function ackVia(record: AlertRecord | undefined): AckVia | undefined {
  const entry = record?.timeline.find((e) => e.type === 'alert.acknowledged');
  return entry?.type === 'alert.acknowledged' ? entry.payload.via : undefined;
}

/** "through SMS" for an acknowledgement made by a gateway reply. */
export function throughText(attempts: NotificationAttempts, via: AckVia): string {
  return t('ntf.through', { channel: channelLabel(attempts, `gateway:${via.gateway}`) });
}

/** The server's reason for a skip or failure, in the interface language where it is a known one. */
function reason(a: NotificationAttempt): string | null {
  const d = a.detail ?? '';
  if (a.kind === 'skipped') {
    if (d === 'acknowledged') return t('ntf.why.acknowledged');
    if (d === 'gone') return t('ntf.why.gone');
    if (d === 'push not configured') return t('ntf.why.noPush');
    if (d === 'no push subscription') return t('ntf.why.noSubscription');
    if (d.startsWith('live-only')) return t('ntf.why.liveOnly');
    if (d.startsWith('gateway does not carry')) return t('ntf.why.event');
    if (d.startsWith('user not served') || d.startsWith('role not served')) return t('ntf.why.notServed');
    if (d.startsWith('no gateway')) return t('ntf.why.noGateway');
    return d ? isolate(d) : null;
  }
  if (a.kind === 'failed') {
    if (d === 'deadline passed') return t('ntf.why.deadline');
    const retry = /^attempt (\d+): (.*)$/s.exec(d);
    if (retry) return t('ntf.why.retry', { attempt: Number(retry[1]), detail: isolate(retry[2]!) });
    return d ? isolate(d) : null;
  }
  if (a.kind === 'queued') {
    const m = /^after (\d+) ms$/.exec(d);
    return m ? t('ntf.dueAt', { time: formatTime(a.at + Number(m[1])) }) : null;
  }
  if (a.kind === 'bundled') {
    const m = /until (\S+)$/.exec(d);
    const until = m ? Date.parse(m[1]!) : NaN;
    return Number.isFinite(until) ? t('ntf.bundledUntil', { time: formatTime(until) }) : null;
  }
  if (a.kind === 'delivered') return d ? isolate(d) : null;
  return null;
}

/** What happened, e.g. "SMS delivered", "Push skipped", "Acknowledged through SMS". */
export function attemptWhat(attempts: NotificationAttempts, a: NotificationAttempt): string {
  const channel = channelLabel(attempts, a.channel);
  if (a.kind === 'sent') return t('ntf.tl.sent', { channel, attempt: a.attempt ?? 1 });
  return tk('ntf.tl.', a.kind, { channel });
}

/** One attempt as a timeline row, drawn like the alert's own entries (time, what, who, detail). */
export function attemptItem(ctx: Ctx, a: NotificationAttempt): HTMLElement {
  const why = reason(a);
  return h(
    'li',
    { class: `tl-item tl-attempt attempt-${a.kind}`, attrs: { 'data-attempt': a.kind, 'data-channel': a.channel, 'data-user': a.userId } },
    h('time', null, formatTime(a.at)),
    h('span', { class: 'tl-what' }, attemptWhat(ctx.attempts, a)),
    h('span', { class: 'tl-who' }, a.kind === 'acknowledged-through' ? t('ntf.byWho', { who: ctx.model.userName(a.userId) }) : t('ntf.toWho', { who: ctx.model.userName(a.userId) })),
    why ? h('span', { class: 'tl-text' }, why) : null,
  );
}

/** Which step of a channel a summary names: the furthest it got (a skip ends a queued step). */
const RANK: Record<AttemptKind, number> = { queued: 0, bundled: 1, skipped: 2, sent: 3, failed: 4, delivered: 5, 'acknowledged-through': 6 };

/**
 * One line of how a user was reached for an alert: per channel in the order first tried, the furthest
 * step with its time ("Push delivered 14:02 · SMS delivered 14:03 · acknowledged through SMS 14:05").
 */
export function attemptsSummary(attempts: NotificationAttempts, list: readonly NotificationAttempt[], userId: string): string {
  const mine = list.filter((a) => a.userId === userId);
  const best = new Map<string, NotificationAttempt>();
  let acked: NotificationAttempt | undefined;
  for (const a of mine) {
    if (a.kind === 'acknowledged-through') {
      acked ??= a;
      continue;
    }
    const prev = best.get(a.channel);
    // A failure that is retried and then delivered counts as delivered; a later retry replaces a failure.
    if (!prev || RANK[a.kind] >= RANK[prev.kind]) best.set(a.channel, a);
  }
  const parts = [...best.values()].map((a) => {
    const channel = channelLabel(attempts, a.channel);
    const m = a.kind === 'queued' ? /^after (\d+) ms$/.exec(a.detail ?? '') : null;
    const time = formatTime(m ? a.at + Number(m[1]) : a.at);
    return tk('ntf.short.', a.kind, { channel, time });
  });
  if (acked) parts.push(t('ntf.short.acknowledged-through', { channel: channelLabel(attempts, acked.channel), time: formatTime(acked.at) }));
  return parts.join(' · ');
}
