import type { LineCheckSchedule } from '@hotline/shared';

/**
 * Line-check schedules: times of day in a time zone, or a fixed interval aligned to the epoch. Pure
 * functions of the schedule and a time (ms since the epoch).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone. */
export function wallClock(timeZone: string, at: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** The zone's offset from UTC at an instant, ms (positive east of Greenwich). */
function offset(timeZone: string, at: number): number {
  const w = wallClock(timeZone, at);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/** The instant a wall-clock time occurs in a time zone (the later one around a DST change). */
export function zonedTime(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offset(timeZone, guess);
  const second = guess - offset(timeZone, first);
  return second;
}

/** Scheduled instants on the local days around `at` (yesterday, today, tomorrow), ascending. */
function dailySlotsAround(schedule: LineCheckSchedule, at: number): number[] {
  const tz = schedule.timeZone;
  const out: number[] = [];
  for (const dayShift of [-1, 0, 1, 2]) {
    const w = wallClock(tz, at + dayShift * 86_400_000);
    for (const t of schedule.times ?? []) {
      const [h, m] = t.split(':').map(Number) as [number, number];
      out.push(zonedTime(tz, w.year, w.month, w.day, h, m));
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The latest scheduled instant at or before `at`. */
export function latestSlotAtOrBefore(schedule: LineCheckSchedule, at: number): number {
  if (schedule.every !== undefined) return Math.floor(at / schedule.every) * schedule.every;
  const slots = dailySlotsAround(schedule, at).filter((s) => s <= at);
  return slots[slots.length - 1]!;
}

/** The first scheduled instant strictly after `at`. */
export function nextSlotAfter(schedule: LineCheckSchedule, at: number): number {
  if (schedule.every !== undefined) return (Math.floor(at / schedule.every) + 1) * schedule.every;
  return dailySlotsAround(schedule, at).find((s) => s > at)!;
}

/** How many scheduled instants fall in [from, to). */
export function slotsBetween(schedule: LineCheckSchedule, from: number, to: number): number {
  if (to <= from) return 0;
  if (schedule.every !== undefined) {
    const first = Math.ceil(from / schedule.every);
    const last = Math.ceil(to / schedule.every) - 1;
    return Math.max(0, last - first + 1);
  }
  let n = 0;
  for (let t = from - 1; n < 100_000; n++) {
    t = nextSlotAfter(schedule, t);
    if (t >= to) break;
  }
  return n;
}
