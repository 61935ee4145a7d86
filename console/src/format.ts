import type { AlertKind, AlertState, Precedence, Severity } from '@hotline/shared';
import { formatDate, formatNumber, isRtl, t, tk } from './i18n/index.js';

/** Labels and formats shared by every view, in the interface language (./i18n). Pure: no DOM. */

/** An object whose every field reads its message from the catalog when read (so it follows the language). */
function labels<K extends string | number>(keys: readonly K[], prefix: string): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const k of keys) Object.defineProperty(out, k, { get: () => tk(prefix, k), enumerable: true });
  return out;
}

export const KIND_LABEL: Readonly<Record<AlertKind, string>> = labels<AlertKind>(
  ['small-arms-fire', 'artillery-mortar', 'drone', 'border-crossing', 'explosion', 'line-fault', 'other'],
  'kind.',
);
/** Kinds an operator may raise (line faults are raised by the server). */
export const RAISABLE_KINDS: readonly Exclude<AlertKind, 'line-fault'>[] = [
  'small-arms-fire',
  'artillery-mortar',
  'explosion',
  'drone',
  'border-crossing',
  'other',
];

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = labels<Severity>([1, 2, 3, 4], 'severity.');

export const STATE_LABEL: Readonly<Record<AlertState, string>> = labels<AlertState>(['open', 'acknowledged', 'resolved', 'cancelled'], 'state.');

export const PRECEDENCE_LABEL: Readonly<Record<Precedence, string>> = labels<Precedence>(['routine', 'priority', 'immediate', 'flash'], 'precedence.');

export const PRECEDENCES: readonly Precedence[] = ['routine', 'priority', 'immediate', 'flash'];

/** A whole number that names something (an entry's seq, a level, a version): the language's digits, no grouping. */
export const formatSeq = (n: number): string => formatNumber(n, { useGrouping: false });

/**
 * A name, id or file extension set inside a message: isolated (FSI…PDI) on right-to-left pages, so
 * "Link 3 (l3)" or ".ndjson" keeps its own order and does not pull the punctuation around it along.
 */
export const isolate = (text: string): string => (isRtl() ? `\u2068${text}\u2069` : text);

const pad = (n: number) => formatNumber(n, { minimumIntegerDigits: 2, useGrouping: false });

/** "14:05:09" today, "27 Nov 14:05" on another day (local time, 24-hour clock, the language's digits and month names). */
export function formatTime(ts: number, now = Date.now()): string {
  const d = new Date(ts);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return formatDate(ts, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return formatDate(ts, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** "0:07", "4:05", "1:02:03": a countdown or an elapsed time; negative values count as zero. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${formatNumber(h)}:${pad(m)}:${pad(s)}` : `${formatNumber(m)}:${pad(s)}`;
}

/** Where the escalation policy's targets sit, in words. */
export const TARGET_LABEL: Readonly<Record<string, string>> = labels<string>(
  ['counterpart-supervisors', 'raiser-supervisors', 'counterpart-commanders', 'raiser-commanders', 'joint-command'],
  'target.',
);

/** A countdown to a deadline: whole seconds rounded up ("0:01" until it is due), then "due now". */
export function formatCountdown(msLeft: number): string {
  return msLeft > 0 ? formatDuration(msLeft + 999) : t('time.dueNow');
}

/** A measured duration in a report: "4.2 s", "12:05", or "—" when there is nothing to measure. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 60_000 ? t('time.seconds', { s: formatNumber(ms / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }) : formatDuration(ms);
}
