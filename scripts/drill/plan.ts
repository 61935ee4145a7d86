/** The drill's schedule: when each alert and hotline message goes out, from which post on which link. Pure. */
import type { AlertKind, Link, Post, Severity } from '@hotline/shared';
import { formatDuration, UsageError } from '../lib/cli.js';
import { LIMITS, type DrillOptions } from './options.js';
import type { Rng } from './random.js';

export interface PlannedAlert {
  /** ms after the start */
  at: number;
  linkId: string;
  raiserPostId: string;
  severity: Severity;
  kind: Exclude<AlertKind, 'line-fault'>;
  /** The burst it belongs to (0, 1, 2 ...), or null for the steady/ramp stream. */
  burst: number | null;
}

export interface PlannedMessage {
  at: number;
  linkId: string;
  fromPostId: string;
}

export interface DrillPlan {
  alerts: PlannedAlert[];
  messages: PlannedMessage[];
  /** When sending stops, ms after the start. */
  endMs: number;
  bursts: { index: number; at: number; sector: string }[];
}

const KINDS: PlannedAlert['kind'][] = ['small-arms-fire', 'artillery-mortar', 'drone', 'border-crossing', 'explosion', 'other'];
const BURST_KINDS: PlannedAlert['kind'][] = ['small-arms-fire', 'small-arms-fire', 'artillery-mortar', 'explosion'];

function severity(rng: Rng): Severity {
  const r = rng.next();
  return r < 0.3 ? 1 : r < 0.65 ? 2 : r < 0.9 ? 3 : 4;
}

/** Times (ms) of the k-th arrival, k = 1, 2, ..., of a stream whose rate goes linearly from r0 to r1 over d ms. */
export function rampTimes(r0: number, r1: number, durationMs: number): number[] {
  const d = durationMs / 1000;
  const out: number[] = [];
  const a = (r1 - r0) / (2 * d); // N(t) = r0 t + a t^2
  const total = r0 * d + a * d * d;
  for (let k = 1; k <= Math.floor(total + 1e-9); k++) {
    // Arrival when N(t) = k - 0.5, so the first one does not wait a whole period.
    const n = k - 0.5;
    const t = Math.abs(a) < 1e-12 ? n / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * n)) / (2 * a);
    if (t <= d) out.push(Math.round(t * 1000));
  }
  return out;
}

/** Builds the plan; refuses (UsageError) plans over the hard limits before anything is sent. */
export function planDrill(options: DrillOptions, links: readonly Link[], posts: readonly Post[], rng: Rng): DrillPlan {
  if (links.length === 0) throw new UsageError('no links to drill on');
  const postById = new Map(posts.map((p) => [p.id, p]));
  const ends = links.flatMap((l) => l.posts.map((postId) => ({ linkId: l.id, postId })));
  const duration = options.durationMs;
  const alerts: PlannedAlert[] = [];
  const bursts: DrillPlan['bursts'] = [];

  // The steady or ramp stream.
  const streamTimes =
    options.pattern === 'ramp'
      ? rampTimes(options.rampFrom, options.rate, duration)
      : options.rate > 0
        ? Array.from({ length: Math.floor((duration / 1000) * options.rate + 1e-9) }, (_, i) => Math.round(((i + 0.5) / options.rate) * 1000))
        : [];
  for (const at of streamTimes) {
    if (at >= duration) break;
    const end = rng.pick(ends);
    alerts.push({ at, linkId: end.linkId, raiserPostId: end.postId, severity: severity(rng), kind: rng.pick(KINDS), burst: null });
  }

  // Bursts: many alerts in a short window, all raised by posts of one sector.
  if (options.pattern === 'burst') {
    const sectorsInPlay = [...new Set(ends.map((e) => postById.get(e.postId)?.sector).filter((s): s is string => s !== undefined))].sort();
    if (options.burstSector !== undefined && !sectorsInPlay.includes(options.burstSector)) {
      throw new UsageError(`--burst-sector: "${options.burstSector}" has no post on the drilled links (sectors: ${sectorsInPlay.join(', ')})`);
    }
    let index = 0;
    for (let start = options.burstStartMs; start < duration; start += options.burstEveryMs, index++) {
      const sector = options.burstSector ?? sectorsInPlay[index % sectorsInPlay.length]!;
      const sectorEnds = ends.filter((e) => postById.get(e.postId)?.sector === sector);
      bursts.push({ index, at: start, sector });
      for (let i = 0; i < options.burstSize; i++) {
        const end = sectorEnds[(i + rng.int(0, sectorEnds.length - 1)) % sectorEnds.length]!;
        alerts.push({
          at: Math.round(start + (options.burstWindowMs * i) / options.burstSize),
          linkId: end.linkId,
          raiserPostId: end.postId,
          severity: rng.chance(0.5) ? 3 : 4,
          kind: rng.pick(BURST_KINDS),
          burst: index,
        });
      }
    }
  }
  alerts.sort((a, b) => a.at - b.at);

  // A burst that starts before the end runs to its end.
  let endMs = Math.max(duration, alerts.length ? alerts[alerts.length - 1]!.at + 1 : 0);
  if (options.count !== undefined && alerts.length > options.count) {
    alerts.length = options.count;
    endMs = Math.min(duration, alerts[alerts.length - 1]!.at + 1000);
  }
  const messages: PlannedMessage[] = [];
  if (options.chatter > 0) {
    const n = Math.floor((endMs / 1000) * options.chatter + 1e-9);
    for (let i = 0; i < n; i++) {
      const at = Math.round(((i + 0.5) / options.chatter) * 1000);
      if (at >= endMs) break;
      const end = rng.pick(ends);
      messages.push({ at, linkId: end.linkId, fromPostId: end.postId });
    }
  }
  if (alerts.length > LIMITS.alerts) {
    throw new UsageError(
      `this plan raises ${alerts.length} alerts in ${formatDuration(endMs)}, above the limit of ${LIMITS.alerts} per drill: lower the rate, the bursts or the duration, or set --count`,
    );
  }
  if (messages.length > LIMITS.messages) {
    throw new UsageError(`this plan sends ${messages.length} messages, above the limit of ${LIMITS.messages} per drill: lower --chatter or --duration`);
  }
  if (alerts.length === 0 && messages.length === 0) throw new UsageError('this plan sends nothing: raise --rate, --chatter or use bursts');
  return { alerts, messages, endMs, bursts };
}
