import type { AlertKind, AlertState, Precedence, Severity } from '@hotline/shared';

/** Labels and formats shared by every view. Pure: no DOM. */

export const KIND_LABEL: Record<AlertKind, string> = {
  'small-arms-fire': 'Small-arms fire',
  'artillery-mortar': 'Artillery / mortar',
  drone: 'Drone',
  'border-crossing': 'Border crossing',
  explosion: 'Explosion',
  'line-fault': 'Line fault',
  other: 'Other incident',
};

/** Kinds an operator may raise (line faults are raised by the server). */
export const RAISABLE_KINDS: readonly Exclude<AlertKind, 'line-fault'>[] = [
  'small-arms-fire',
  'artillery-mortar',
  'explosion',
  'drone',
  'border-crossing',
  'other',
];

export const SEVERITY_LABEL: Record<Severity, string> = { 1: 'Low', 2: 'Moderate', 3: 'High', 4: 'Critical' };

export const STATE_LABEL: Record<AlertState, string> = {
  open: 'OPEN: not acknowledged',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  cancelled: 'Cancelled (false alarm)',
};

export const PRECEDENCE_LABEL: Record<Precedence, string> = {
  routine: 'Routine',
  priority: 'Priority',
  immediate: 'IMMEDIATE',
  flash: 'FLASH',
};

export const PRECEDENCES: readonly Precedence[] = ['routine', 'priority', 'immediate', 'flash'];

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05:09" today, "27 Nov 14:05" on another day (local time, 24-hour clock). */
export function formatTime(ts: number, now = Date.now()): string {
  const d = new Date(ts);
  const today = new Date(now);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === today.toDateString()) return clock;
  const month = d.toLocaleString('en-GB', { month: 'short' });
  return `${d.getDate()} ${month} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "0:07", "4:05", "1:02:03": a countdown or an elapsed time; negative values count as zero. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Where the escalation policy's targets sit, in words. */
export const TARGET_LABEL: Record<string, string> = {
  'counterpart-supervisors': 'counterpart supervisors',
  'raiser-supervisors': 'raising post supervisors',
  'counterpart-commanders': 'counterpart commanders',
  'raiser-commanders': 'raising side commanders',
  'joint-command': 'joint command',
};

/** A countdown to a deadline: whole seconds rounded up ("0:01" until it is due), then "due now". */
export function formatCountdown(msLeft: number): string {
  return msLeft > 0 ? formatDuration(msLeft + 999) : 'due now';
}

/** A measured duration in a report: "4.2 s", "12:05", or "—" when there is nothing to measure. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms);
}
