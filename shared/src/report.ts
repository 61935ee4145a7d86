/**
 * Incident reports for the joint monitoring mechanism: per link and period, incidents by kind and
 * severity, acknowledgement times, escalations by level, drills apart from real incidents. Computed the
 * same way from the server's alert state and, offline, from the entries of an export.
 */

import { alertFromRaise, foldAlert } from './alert-fold.js';
import type { Entry } from './entries.js';
import type { Alert } from './projections.js';

export interface ReportAlert {
  linkId: string;
  alertId: string;
  kind: string;
  severity: number;
  drill: boolean;
  raisedAt: number;
  state: string;
  acknowledgedAt?: number | undefined;
  escalations: { level: number }[];
}

export interface Durations {
  count: number;
  /** Nearest-rank quantiles, milliseconds. */
  medianMs: number | null;
  p90Ms: number | null;
  worstMs: number | null;
}

export interface IncidentSection {
  incidents: number;
  byKind: Record<string, number>;
  bySeverity: Record<string, number>;
  byState: Record<string, number>;
  acknowledged: number;
  /** From the raise to the acknowledgement, for incidents raised in the period. */
  ackTimes: Durations;
  escalationsByLevel: Record<string, number>;
  escalations: number;
}

export interface IncidentReport {
  from: number;
  to: number;
  links: string[];
  real: IncidentSection;
  drill: IncidentSection;
  perLink: Record<string, { real: IncidentSection; drill: IncidentSection }>;
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function durations(values: number[]): Durations {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), worstMs: sorted.length ? sorted[sorted.length - 1]! : null };
}

function section(alerts: ReportAlert[]): IncidentSection {
  const s: IncidentSection = {
    incidents: alerts.length,
    byKind: {},
    bySeverity: {},
    byState: {},
    acknowledged: 0,
    ackTimes: durations([]),
    escalationsByLevel: {},
    escalations: 0,
  };
  const acks: number[] = [];
  for (const a of alerts) {
    s.byKind[a.kind] = (s.byKind[a.kind] ?? 0) + 1;
    s.bySeverity[String(a.severity)] = (s.bySeverity[String(a.severity)] ?? 0) + 1;
    s.byState[a.state] = (s.byState[a.state] ?? 0) + 1;
    if (a.acknowledgedAt !== undefined) {
      s.acknowledged++;
      acks.push(a.acknowledgedAt - a.raisedAt);
    }
    for (const e of a.escalations) {
      s.escalationsByLevel[String(e.level)] = (s.escalationsByLevel[String(e.level)] ?? 0) + 1;
      s.escalations++;
    }
  }
  s.ackTimes = durations(acks);
  return s;
}

/** The report over alerts raised in [from, to]. */
export function incidentReport(alerts: ReportAlert[], period: { from: number; to: number }, links?: string[]): IncidentReport {
  const inPeriod = alerts.filter((a) => a.raisedAt >= period.from && a.raisedAt <= period.to);
  const linkIds = links ?? [...new Set(inPeriod.map((a) => a.linkId))].sort();
  const perLink: IncidentReport['perLink'] = {};
  for (const id of linkIds) {
    const mine = inPeriod.filter((a) => a.linkId === id);
    perLink[id] = { real: section(mine.filter((a) => !a.drill)), drill: section(mine.filter((a) => a.drill)) };
  }
  return {
    from: period.from,
    to: period.to,
    links: linkIds,
    real: section(inPeriod.filter((a) => !a.drill)),
    drill: section(inPeriod.filter((a) => a.drill)),
    perLink,
  };
}

/**
 * Rebuilds each alert's report view from link-log entries (an export), with the same fold the server
 * and the console use (alert-fold.ts). An export does not carry the topology, so the posts of each
 * alert are left empty: a report counts kinds, states and times, not posts.
 */
export function replayAlerts(entries: Iterable<Entry>): ReportAlert[] {
  const alerts = new Map<string, Alert>();
  for (const e of entries) {
    if (e.type === 'alert.raised') {
      alerts.set(e.payload.alertId, alertFromRaise(e, { raiserPostId: '', counterpartPostId: '' }));
      continue;
    }
    const alertId = alertIdOf(e);
    const alert = alertId === null ? undefined : alerts.get(alertId);
    if (alert) alerts.set(alertId!, foldAlert(alert, e));
  }
  return [...alerts.values()];
}

function alertIdOf(e: Entry): string | null {
  const p = e.payload as { alertId?: unknown };
  return typeof p.alertId === 'string' ? p.alertId : null;
}

const KINDS = ['small-arms-fire', 'artillery-mortar', 'drone', 'border-crossing', 'explosion', 'line-fault', 'other'];

/** One CSV row per link (and "all") and real/drill, with a header row. */
export function incidentReportCsv(report: IncidentReport, levels = 3): string {
  const levelCols = Array.from({ length: levels }, (_, i) => `escalations_level_${i + 1}`);
  const header = [
    'period_from',
    'period_to',
    'link',
    'traffic',
    'incidents',
    ...KINDS.map((k) => `kind_${k}`),
    'severity_1',
    'severity_2',
    'severity_3',
    'severity_4',
    'acknowledged',
    'ack_median_s',
    'ack_p90_s',
    'ack_worst_s',
    ...levelCols,
    'escalations_total',
  ];
  const sec = (s: number | null) => (s === null ? '' : (s / 1000).toFixed(1));
  const row = (link: string, traffic: string, s: IncidentSection) =>
    [
      new Date(report.from).toISOString(),
      new Date(report.to).toISOString(),
      link,
      traffic,
      s.incidents,
      ...KINDS.map((k) => s.byKind[k] ?? 0),
      ...[1, 2, 3, 4].map((v) => s.bySeverity[String(v)] ?? 0),
      s.acknowledged,
      sec(s.ackTimes.medianMs),
      sec(s.ackTimes.p90Ms),
      sec(s.ackTimes.worstMs),
      ...levelCols.map((_, i) => s.escalationsByLevel[String(i + 1)] ?? 0),
      s.escalations,
    ].join(',');
  const lines = [header.join(',')];
  for (const id of report.links) {
    lines.push(row(id, 'real', report.perLink[id]!.real), row(id, 'drill', report.perLink[id]!.drill));
  }
  lines.push(row('all', 'real', report.real), row('all', 'drill', report.drill));
  return `${lines.join('\n')}\n`;
}
