/** The drill report: built from the observations (pure), rendered as text, JSON and a self-contained HTML page. */
import { formatDuration } from '../lib/cli.js';
import { histogram, logEdges, round, summarize, type HistogramBin, type Summary } from '../lib/stats.js';
import { barChart, escapeHtml } from '../lib/svg.js';
import { alertHistories, checkIntegrity, type IntegrityResult } from './integrity.js';
import type { DrillObservations } from './model.js';
import type { DrillOptions } from './options.js';
import type { DrillPlan } from './plan.js';
import { describeDelay } from './random.js';

export interface SeriesBucket {
  /** Bucket start, ms after the drill's start. */
  t: number;
  alerts: number;
  messages: number;
  acks: number;
  /** Escalations by level ("1", "2" ...) and "repeat". */
  escalations: Record<string, number>;
}

export interface DrillReport {
  tool: 'hotline-drill';
  version: 1;
  runTag: string;
  url: string;
  startedAt: string;
  sendingEndedAt: string;
  finishedAt: string;
  aborted: boolean;
  /** The options, without credentials. */
  options: Record<string, unknown>;
  plan: { alerts: number; messages: number; endMs: number; bursts: DrillPlan['bursts'] };
  users: { operators: string[]; supervisors: string[]; commanders: string[] };
  counts: {
    alerts: { planned: number; sent: number; stored: number; failed: number; deliveredToCounterpart: number };
    messages: { planned: number; sent: number; stored: number; failed: number; deliveredToCounterpart: number };
    /** Entries on the drilled links from the start to the final sync, everyone's. */
    entriesLogged: number;
  };
  /** Client-side ms: send to the counterpart console's `entry`, and send to the server's ack. */
  latencyMs: { alertDelivery: Summary; messageDelivery: Summary; alertStored: Summary; messageStored: Summary };
  acknowledgement: {
    alerts: number;
    byCounterpart: number;
    bySupervisor: number;
    byCommander: number;
    /** Not acknowledged during the drill (some by design: the ack probability). */
    notAcknowledged: number;
    cancelledAtEnd: number;
    resolvedAtEnd: number;
    /** Server time from the raise to the acknowledgement, ms. */
    timeToAckMs: { all: Summary; beforeEscalation: Summary; afterEscalation: Summary };
    /** Round trip of alert:ack requests the responders made, ms. */
    ackRoundTripMs: Summary;
  };
  escalations: {
    total: number;
    byLevel: Record<string, number>;
    repeats: number;
    alertsEscalated: number;
    /** Server time of the alert.escalated entry after its due time, ms. */
    latenessMs: Summary;
    notificationsSeen: number;
  };
  errors: { total: number; byCode: Record<string, number>; samples: string[]; unconfirmed: number; droppedResponses: number };
  integrity: IntegrityResult;
  series: { bucketMs: number; buckets: SeriesBucket[] };
  histograms: {
    alertDeliveryMs: HistogramBin[];
    messageDeliveryMs: HistogramBin[];
    timeToAckS: { beforeEscalation: HistogramBin[]; afterEscalation: HistogramBin[] };
  };
}

function bucketSize(totalMs: number): number {
  for (const b of [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000]) if (totalMs / b <= 60) return b;
  return 900_000;
}

export function buildReport(
  obs: DrillObservations,
  ctx: { options: DrillOptions; plan: DrillPlan; users: DrillReport['users']; aborted: boolean; finishedAt: number },
): DrillReport {
  const o = ctx.options;
  const integrity = checkIntegrity(obs, o.escalationGraceMs);
  const histories = alertHistories(obs);
  const alertsSent = obs.sends.filter((s) => s.kind === 'alert');
  const messagesSent = obs.sends.filter((s) => s.kind === 'message');
  const delivery = (list: typeof obs.sends) =>
    list.flatMap((s) => (s.stored && obs.counterpartArrival[s.clientId] !== undefined ? [obs.counterpartArrival[s.clientId]! - s.sentAt] : []));
  const storedLatency = (list: typeof obs.sends) => list.flatMap((s) => (s.stored && s.storedAt !== undefined ? [s.storedAt - s.sentAt] : []));
  const alertDelivery = delivery(alertsSent);
  const messageDelivery = delivery(messagesSent);

  // Acknowledgements and escalations, from the final log.
  let byCounterpart = 0;
  let bySupervisor = 0;
  let byCommander = 0;
  let cancelledAtEnd = 0;
  let resolvedAtEnd = 0;
  const ackAll: number[] = [];
  const ackBefore: number[] = [];
  const ackAfter: number[] = [];
  const byLevel: Record<string, number> = {};
  let repeats = 0;
  let escalationsTotal = 0;
  let alertsEscalated = 0;
  const lateness: number[] = [];
  const cleanupSeqs = new Set(obs.actions.filter((a) => a.by === 'cleanup' && a.stored).map((a) => `${a.alertId}#${a.stored!.seq}`));
  for (const h of histories.values()) {
    if (h.escalations.length) alertsEscalated++;
    for (const e of h.escalations) {
      escalationsTotal++;
      lateness.push(e.ts - e.payload.dueAt);
      if (e.payload.repeat) repeats++;
      else byLevel[String(e.payload.level)] = (byLevel[String(e.payload.level)] ?? 0) + 1;
    }
    if (h.acknowledged) {
      const kind = obs.userKinds[h.acknowledged.actor.userId];
      if (kind === 'supervisor') bySupervisor++;
      else if (kind === 'commander') byCommander++;
      else byCounterpart++;
      const t = h.acknowledged.ts - h.raised.ts;
      ackAll.push(t);
      (h.escalations.some((e) => e.seq < h.acknowledged!.seq) ? ackAfter : ackBefore).push(t);
    }
    if (h.cancelled && cleanupSeqs.has(`${h.alertId}#${h.cancelled.seq}`)) cancelledAtEnd++;
    if (h.resolved && cleanupSeqs.has(`${h.alertId}#${h.resolved.seq}`)) resolvedAtEnd++;
  }

  // Time series.
  const totalMs = Math.max(1000, obs.finalSyncAt - obs.startedAt);
  const bucketMs = bucketSize(totalMs);
  const buckets: SeriesBucket[] = Array.from({ length: Math.ceil(totalMs / bucketMs) }, (_, i) => ({ t: i * bucketMs, alerts: 0, messages: 0, acks: 0, escalations: {} }));
  const bucketAt = (t: number) => buckets[Math.min(buckets.length - 1, Math.max(0, Math.floor((t - obs.startedAt) / bucketMs)))]!;
  for (const s of obs.sends) {
    const b = bucketAt(s.sentAt);
    if (s.kind === 'alert') b.alerts++;
    else b.messages++;
  }
  for (const h of histories.values()) {
    if (h.acknowledged) bucketAt(h.acknowledged.ts).acks++;
    for (const e of h.escalations) {
      const key = e.payload.repeat ? 'repeat' : String(e.payload.level);
      const b = bucketAt(e.ts);
      b.escalations[key] = (b.escalations[key] ?? 0) + 1;
    }
  }

  const byCode: Record<string, number> = {};
  const samples: string[] = [];
  for (const s of obs.sends) {
    if (!s.error) continue;
    byCode[s.error.code] = (byCode[s.error.code] ?? 0) + 1;
    if (samples.length < 10) samples.push(`${s.kind} ${s.clientId} on ${s.linkId}: ${s.error.code}: ${s.error.message}`);
  }
  const countedActionErrors = obs.actions.filter((a) => a.error && !(a.by === 'cleanup' && a.error.code === 'CONFLICT'));
  for (const a of countedActionErrors) {
    byCode[a.error!.code] = (byCode[a.error!.code] ?? 0) + 1;
    if (samples.length < 10) samples.push(`${a.action} ${a.alertId} by ${a.userId}: ${a.error!.code}: ${a.error!.message}`);
  }
  const { token: _t, password: _p, ...safeOptions } = o;
  const deliveryEdges = logEdges(1, Math.max(10, ...alertDelivery, ...messageDelivery));
  const ackEdges = logEdges(0.5, Math.max(10, ...ackAll.map((t) => t / 1000)));

  return {
    tool: 'hotline-drill',
    version: 1,
    runTag: obs.runTag,
    url: o.url,
    startedAt: new Date(obs.startedAt).toISOString(),
    sendingEndedAt: new Date(obs.sendingEndedAt).toISOString(),
    finishedAt: new Date(ctx.finishedAt).toISOString(),
    aborted: ctx.aborted,
    options: {
      ...safeOptions,
      ackDelay: describeDelay(o.ackDelay),
      escalationAckDelay: describeDelay(o.escalationAckDelay),
    },
    plan: { alerts: ctx.plan.alerts.length, messages: ctx.plan.messages.length, endMs: ctx.plan.endMs, bursts: ctx.plan.bursts },
    users: ctx.users,
    counts: {
      alerts: {
        planned: ctx.plan.alerts.length,
        sent: alertsSent.length,
        stored: alertsSent.filter((s) => s.stored).length,
        failed: alertsSent.filter((s) => s.error).length,
        deliveredToCounterpart: alertsSent.filter((s) => obs.counterpartArrival[s.clientId] !== undefined).length,
      },
      messages: {
        planned: ctx.plan.messages.length,
        sent: messagesSent.length,
        stored: messagesSent.filter((s) => s.stored).length,
        failed: messagesSent.filter((s) => s.error).length,
        deliveredToCounterpart: messagesSent.filter((s) => obs.counterpartArrival[s.clientId] !== undefined).length,
      },
      entriesLogged: Object.values(obs.finalLogs).reduce((n, l) => n + l.length, 0),
    },
    latencyMs: {
      alertDelivery: summarize(alertDelivery),
      messageDelivery: summarize(messageDelivery),
      alertStored: summarize(storedLatency(alertsSent)),
      messageStored: summarize(storedLatency(messagesSent)),
    },
    acknowledgement: {
      alerts: histories.size,
      byCounterpart,
      bySupervisor,
      byCommander,
      notAcknowledged: histories.size - byCounterpart - bySupervisor - byCommander,
      cancelledAtEnd,
      resolvedAtEnd,
      timeToAckMs: { all: summarize(ackAll), beforeEscalation: summarize(ackBefore), afterEscalation: summarize(ackAfter) },
      ackRoundTripMs: summarize(obs.actions.filter((a) => a.action === 'ack' && a.stored !== undefined && a.tookMs !== undefined).map((a) => a.tookMs!)),
    },
    escalations: {
      total: escalationsTotal,
      byLevel,
      repeats,
      alertsEscalated,
      latenessMs: summarize(lateness),
      notificationsSeen: obs.escalationsSeen.filter((s) => histories.has(s.alertId)).length,
    },
    errors: {
      total: obs.sends.filter((s) => s.error).length + countedActionErrors.length,
      byCode,
      samples,
      unconfirmed: obs.unconfirmed,
      droppedResponses: obs.droppedResponses,
    },
    integrity,
    series: { bucketMs, buckets },
    histograms: {
      alertDeliveryMs: histogram(alertDelivery, deliveryEdges),
      messageDeliveryMs: histogram(messageDelivery, deliveryEdges),
      timeToAckS: {
        beforeEscalation: histogram(ackBefore.map((t) => t / 1000), ackEdges),
        afterEscalation: histogram(ackAfter.map((t) => t / 1000), ackEdges),
      },
    },
  };
}

// --- text --------------------------------------------------------------------------------------------

const ms = (v: number | null) => (v === null ? '-' : `${round(v)}`);
const sec = (v: number | null) => (v === null ? '-' : `${round(v / 1000)}`);
const pct = (a: number, b: number) => (b === 0 ? '-' : `${Math.round((1000 * a) / b) / 10}%`);
const line = (s: Summary, f: (v: number | null) => string) => `p50 ${f(s.p50)}  p95 ${f(s.p95)}  p99 ${f(s.p99)}  max ${f(s.max)}  (n=${s.count})`;

export function patternText(r: DrillReport): string {
  const o = r.options as Record<string, unknown> & { pattern: string; rate: number; rampFrom: number; burstSize: number; burstWindowMs: number; burstEveryMs: number; chatter: number };
  const pattern =
    o.pattern === 'burst'
      ? `bursts of ${o.burstSize} alerts in ${formatDuration(o.burstWindowMs)} every ${formatDuration(o.burstEveryMs)} over ${o.rate}/s steady`
      : o.pattern === 'ramp'
        ? `ramp ${o.rampFrom} → ${o.rate} alerts/s`
        : `steady ${o.rate} alerts/s`;
  return `${pattern}, chatter ${o.chatter} messages/s`;
}

export function renderText(r: DrillReport, files: { json?: string; html?: string } = {}): string {
  const c = r.counts;
  const a = r.acknowledgement;
  const e = r.escalations;
  const levels = Object.keys(e.byLevel)
    .sort((x, y) => Number(x) - Number(y))
    .map((l) => `level ${l}: ${e.byLevel[l]}`)
    .join(', ');
  const out = [
    `Drill ${r.runTag} against ${r.url}${r.aborted ? ' (stopped early)' : ''}`,
    `  ${r.startedAt} → ${r.finishedAt}; sending ${formatDuration(Date.parse(r.sendingEndedAt) - Date.parse(r.startedAt))}; ${patternText(r)}`,
    `  simulated: ${r.users.operators.length} post operators, ${r.users.supervisors.length} supervisors, ${r.users.commanders.length} commanders`,
    '',
    `Integrity: ${r.integrity.ok ? 'PASS' : 'FAIL'}`,
    ...r.integrity.checks.flatMap((ch) => [
      `  [${ch.ok ? 'ok' : 'FAIL'}] ${ch.title} (${ch.detail})`,
      ...ch.failures.map((f) => `         ${f}`),
      ...(ch.failureCount > ch.failures.length ? [`         … and ${ch.failureCount - ch.failures.length} more`] : []),
    ]),
    '',
    `Alerts:     ${c.alerts.sent} sent, ${c.alerts.stored} stored, ${c.alerts.failed} failed; ${c.alerts.deliveredToCounterpart} delivered to the counterpart (${pct(c.alerts.deliveredToCounterpart, c.alerts.stored)})`,
    `  delivery ms (send → counterpart console):  ${line(r.latencyMs.alertDelivery, ms)}`,
    `  stored ms (send → server ack):             ${line(r.latencyMs.alertStored, ms)}`,
    `Messages:   ${c.messages.sent} sent, ${c.messages.stored} stored, ${c.messages.failed} failed; ${c.messages.deliveredToCounterpart} delivered to the counterpart (${pct(c.messages.deliveredToCounterpart, c.messages.stored)})`,
    `  delivery ms:                               ${line(r.latencyMs.messageDelivery, ms)}`,
    `  stored ms:                                 ${line(r.latencyMs.messageStored, ms)}`,
    `Acknowledged: ${a.byCounterpart + a.bySupervisor + a.byCommander} of ${a.alerts} (${pct(a.byCounterpart + a.bySupervisor + a.byCommander, a.alerts)}): ${a.byCounterpart} by the counterpart, ${a.bySupervisor} by supervisors, ${a.byCommander} by commanders; ${a.notAcknowledged} never`,
    `  time to acknowledge s:                     ${line(a.timeToAckMs.all, sec)}`,
    `    before any escalation:                   ${line(a.timeToAckMs.beforeEscalation, sec)}`,
    `    after an escalation:                     ${line(a.timeToAckMs.afterEscalation, sec)}`,
    `  ack round trip ms:                         ${line(a.ackRoundTripMs, ms)}`,
    `Escalations: ${e.total} (${levels || 'none'}${e.repeats ? `, repeats: ${e.repeats}` : ''}) on ${e.alertsEscalated} alerts; ${e.notificationsSeen} notifications seen by simulated targets`,
    `  lateness ms (entry after due time):        ${line(e.latenessMs, ms)}`,
    `At the end: ${a.cancelledAtEnd} open alerts cancelled, ${a.resolvedAtEnd} acknowledged alerts resolved${r.errors.droppedResponses ? `; ${r.errors.droppedResponses} responses still pending were dropped` : ''}`,
    `Errors: ${r.errors.total}${Object.keys(r.errors.byCode).length ? ` (${Object.entries(r.errors.byCode).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    ...r.errors.samples.map((s) => `  ${s}`),
  ];
  if (files.json || files.html) out.push('', `Report: ${[files.json, files.html].filter(Boolean).join(' and ')}`);
  return `${out.join('\n')}\n`;
}

// --- HTML --------------------------------------------------------------------------------------------

const LEVEL_COLORS = ['#f2b134', '#ef7d3c', '#d9412b', '#8f1d5c', '#4b2a7b', '#2a4b7b'];

function binLabel(b: HistogramBin, unit: string): string {
  return b.to === Infinity ? `≥${b.from}${unit}` : `${b.from}–${b.to}`;
}

function summaryRow(name: string, s: Summary, f: (v: number | null) => string): string {
  return `<tr><th>${escapeHtml(name)}</th><td>${s.count}</td><td>${f(s.p50)}</td><td>${f(s.p95)}</td><td>${f(s.p99)}</td><td>${f(s.max)}</td></tr>`;
}

export function renderHtml(r: DrillReport): string {
  const c = r.counts;
  const a = r.acknowledgement;
  const e = r.escalations;
  const deliveryCats = r.histograms.alertDeliveryMs.length >= r.histograms.messageDeliveryMs.length ? r.histograms.alertDeliveryMs : r.histograms.messageDeliveryMs;
  const deliveryChart = barChart({
    title: 'Delivery latency: send → counterpart console (ms)',
    categories: deliveryCats.map((b) => binLabel(b, 'ms')),
    series: [
      { name: 'alerts', color: '#d9412b', values: deliveryCats.map((b) => r.histograms.alertDeliveryMs.find((x) => x.from === b.from)?.count ?? 0) },
      { name: 'messages', color: '#3a7bd5', values: deliveryCats.map((b) => r.histograms.messageDeliveryMs.find((x) => x.from === b.from)?.count ?? 0) },
    ],
    xLabel: 'latency bucket (ms)',
    yLabel: 'count',
  });
  const ackCats = r.histograms.timeToAckS.beforeEscalation.length >= r.histograms.timeToAckS.afterEscalation.length ? r.histograms.timeToAckS.beforeEscalation : r.histograms.timeToAckS.afterEscalation;
  const ackChart = barChart({
    title: 'Time to acknowledge (s, raise → acknowledgement)',
    categories: ackCats.map((b) => binLabel(b, 's')),
    series: [
      { name: 'before any escalation', color: '#2e9e5b', values: ackCats.map((b) => r.histograms.timeToAckS.beforeEscalation.find((x) => x.from === b.from)?.count ?? 0) },
      { name: 'after an escalation', color: '#ef7d3c', values: ackCats.map((b) => r.histograms.timeToAckS.afterEscalation.find((x) => x.from === b.from)?.count ?? 0) },
    ],
    xLabel: 'seconds',
    yLabel: 'alerts',
    emptyText: 'no acknowledgements',
  });
  const levelKeys = [...new Set(r.series.buckets.flatMap((b) => Object.keys(b.escalations)))].sort((x, y) => (x === 'repeat' ? 1 : y === 'repeat' ? -1 : Number(x) - Number(y)));
  const t = (ms: number) => formatDuration(ms).replace(/ /g, '');
  const escChart = barChart({
    title: `Escalations per level over time (per ${formatDuration(r.series.bucketMs)})`,
    categories: r.series.buckets.map((b) => t(b.t)),
    series: levelKeys.map((k, i) => ({ name: k === 'repeat' ? 'repeats' : `level ${k}`, color: k === 'repeat' ? '#777' : LEVEL_COLORS[i % LEVEL_COLORS.length]!, values: r.series.buckets.map((b) => b.escalations[k] ?? 0) })),
    xLabel: 'time since the start',
    yLabel: 'escalations',
    emptyText: 'no escalations',
  });
  const rateChart = barChart({
    title: `Traffic over time (per ${formatDuration(r.series.bucketMs)})`,
    categories: r.series.buckets.map((b) => t(b.t)),
    series: [
      { name: 'alerts raised', color: '#d9412b', values: r.series.buckets.map((b) => b.alerts) },
      { name: 'acknowledgements', color: '#2e9e5b', values: r.series.buckets.map((b) => b.acks) },
    ],
    xLabel: 'time since the start',
    yLabel: 'count',
  });
  const msgChart = barChart({
    title: `Hotline messages sent (per ${formatDuration(r.series.bucketMs)})`,
    categories: r.series.buckets.map((b) => t(b.t)),
    series: [{ name: 'messages', color: '#3a7bd5', values: r.series.buckets.map((b) => b.messages) }],
    xLabel: 'time since the start',
    yLabel: 'messages',
    height: 200,
    emptyText: 'no messages',
  });
  const fms = (v: number | null) => (v === null ? '–' : String(round(v)));
  const fs = (v: number | null) => (v === null ? '–' : String(round(v / 1000)));
  const checks = r.integrity.checks
    .map(
      (ch) =>
        `<tr class="${ch.ok ? 'ok' : 'bad'}"><td>${ch.ok ? 'ok' : 'FAIL'}</td><td>${escapeHtml(ch.title)}<div class="muted">${escapeHtml(ch.detail)}</div>${
          ch.failures.length ? `<ul>${ch.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}${ch.failureCount > ch.failures.length ? `<li>… and ${ch.failureCount - ch.failures.length} more</li>` : ''}</ul>` : ''
        }</td></tr>`,
    )
    .join('');
  const levels = Object.entries(e.byLevel)
    .map(([l, n]) => `<tr><th>level ${escapeHtml(l)}</th><td>${n}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EXERCISE drill report ${escapeHtml(r.runTag)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:980px;color:#1d1d1d;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.exercise{display:inline-block;background:#ffd400;color:#000;font-weight:700;padding:2px 8px;border-radius:3px;letter-spacing:.08em}
.verdict{font-size:18px;font-weight:700;padding:10px 14px;border-radius:6px;margin:14px 0}
.verdict.ok{background:#e3f5e9;color:#145a2e}.verdict.bad{background:#fde4e1;color:#8a1c10}
table{border-collapse:collapse;margin:6px 0 12px}th,td{text-align:left;padding:4px 10px;border-bottom:1px solid #eee;vertical-align:top}
td{font-variant-numeric:tabular-nums} tr.bad td:first-child{color:#b3261e;font-weight:700} tr.ok td:first-child{color:#2e7d32;font-weight:700}
.muted{color:#666;font-size:12px} ul{margin:4px 0 0 18px;padding:0;color:#8a1c10;font-size:12px}
svg{max-width:100%;height:auto;display:block;margin:8px 0 18px} code{background:#f4f4f4;padding:1px 4px;border-radius:3px}
</style></head><body>
<p><span class="exercise">EXERCISE</span></p>
<h1>Drill ${escapeHtml(r.runTag)}</h1>
<div class="muted">${escapeHtml(r.url)} · ${escapeHtml(r.startedAt)} → ${escapeHtml(r.finishedAt)} · ${escapeHtml(patternText(r))}${r.aborted ? ' · stopped early' : ''}</div>
<div class="verdict ${r.integrity.ok ? 'ok' : 'bad'}">Integrity check: ${r.integrity.ok ? 'PASS' : 'FAIL'}</div>
<table>${checks}</table>

<h2>Counts</h2>
<table>
<tr><th></th><th>sent</th><th>stored</th><th>failed</th><th>delivered to counterpart</th></tr>
<tr><th>alerts</th><td>${c.alerts.sent}</td><td>${c.alerts.stored}</td><td>${c.alerts.failed}</td><td>${c.alerts.deliveredToCounterpart}</td></tr>
<tr><th>messages</th><td>${c.messages.sent}</td><td>${c.messages.stored}</td><td>${c.messages.failed}</td><td>${c.messages.deliveredToCounterpart}</td></tr>
</table>
<div class="muted">${c.entriesLogged} log entries on the drilled links during the drill (messages, receipts, alert transitions, by anyone). Simulated: ${r.users.operators.length} post operators, ${r.users.supervisors.length} supervisors, ${r.users.commanders.length} commanders.</div>

<h2>Delivery</h2>
<table><tr><th>ms</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>
${summaryRow('alert: send → counterpart console', r.latencyMs.alertDelivery, fms)}
${summaryRow('message: send → counterpart console', r.latencyMs.messageDelivery, fms)}
${summaryRow('alert: send → stored (server ack)', r.latencyMs.alertStored, fms)}
${summaryRow('message: send → stored (server ack)', r.latencyMs.messageStored, fms)}
</table>
${deliveryChart}

<h2>Acknowledgements</h2>
<table>
<tr><th>alerts</th><td>${a.alerts}</td></tr>
<tr><th>by the counterpart post</th><td>${a.byCounterpart}</td></tr>
<tr><th>by a supervisor (escalated)</th><td>${a.bySupervisor}</td></tr>
<tr><th>by a commander (escalated)</th><td>${a.byCommander}</td></tr>
<tr><th>never</th><td>${a.notAcknowledged}</td></tr>
<tr><th>cancelled / resolved at the end</th><td>${a.cancelledAtEnd} / ${a.resolvedAtEnd}</td></tr>
</table>
<table><tr><th>seconds</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>
${summaryRow('time to acknowledge', a.timeToAckMs.all, fs)}
${summaryRow('… before any escalation', a.timeToAckMs.beforeEscalation, fs)}
${summaryRow('… after an escalation', a.timeToAckMs.afterEscalation, fs)}
</table>
${ackChart}

<h2>Escalations</h2>
<table>${levels}<tr><th>repeats</th><td>${e.repeats}</td></tr><tr><th>total</th><td>${e.total} on ${e.alertsEscalated} alerts</td></tr>
<tr><th>notifications seen</th><td>${e.notificationsSeen}</td></tr></table>
<table><tr><th>ms</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>${summaryRow('lateness (entry after due time)', e.latenessMs, fms)}</table>
${escChart}

<h2>Traffic</h2>
${rateChart}
${msgChart}

<h2>Errors</h2>
<p>${r.errors.total} errors${Object.keys(r.errors.byCode).length ? `: ${escapeHtml(Object.entries(r.errors.byCode).map(([k, v]) => `${k} ${v}`).join(', '))}` : ''}; ${r.errors.unconfirmed} sends never confirmed; ${r.errors.droppedResponses} responses still pending at the end were dropped.</p>
${r.errors.samples.length ? `<ul>${r.errors.samples.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` : ''}

<h2>Options</h2>
<pre class="muted">${escapeHtml(JSON.stringify(r.options, null, 2))}</pre>
</body></html>
`;
}
