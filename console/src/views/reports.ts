import type { AttemptKind, Durations, IncidentReport, IncidentSection } from '@hotline/shared';
import { fetchWithToken, fileStamp, localInputTime, saveFile, toLocalInput } from '../download.js';
import { fill, h, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, SEVERITY_LABEL, formatMs, formatSeq, isolate } from '../format.js';
import { formatDate, formatNumber, t, tk, type MessageKey } from '../i18n/index.js';
import { channelLabel } from './attempts.js';
import type { Ctx } from './common.js';

/** GET /api/reports/discipline (server/src/http/discipline.ts). */
export interface DisciplineReport {
  from: number;
  to: number;
  links: Record<
    string,
    {
      lineChecks: {
        held: number;
        late: number;
        open: number;
        fullyAnswered: number;
        answeredBy: Record<string, number>;
        missedBy: Record<string, number>;
        faults: number;
      };
      precedence: Record<string, { sent: number; acknowledged: number; awaiting: number; escalated: number; ackTimes: Durations }>;
    }
  >;
}

/** GET /api/notifications/report (server/src/notify/notification-service.ts): over every link in scope. */
export interface NotificationReport {
  from: number;
  to: number;
  escalations: number;
  delivered: number;
  escalationToFirstDeliveryMs: Quantiles;
  escalationToAcknowledgementMs: Quantiles;
  attempts: Record<string, Partial<Record<AttemptKind, number>>>;
}
interface Quantiles {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}
const ATTEMPT_KINDS: readonly AttemptKind[] = ['queued', 'bundled', 'skipped', 'sent', 'delivered', 'failed', 'acknowledged-through'];

const STATES = ['open', 'acknowledged', 'resolved', 'cancelled'] as const;

/** Column heads of a table, from the catalog. */
function heads(keys: readonly MessageKey[]): HTMLElement {
  return h('tr', null, keys.map((k) => h('th', { attrs: { scope: 'col' } }, t(k))));
}

/** A period's ends as the language writes a date and time ("05/12/2026, 08:43:21" in English). */
function periodTime(ts: number): string {
  return formatDate(ts, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

/** One value per column, tagged so each figure can be found (and checked) by row and column. */
function row(key: string, label: string, cells: [string, string | number][], cls = ''): HTMLElement {
  return h(
    'tr',
    { class: cls, attrs: { 'data-row': key } },
    h('th', { attrs: { scope: 'row' } }, label),
    cells.map(([col, value]) => h('td', { attrs: { 'data-col': col } }, typeof value === 'number' ? formatNumber(value) : value)),
  );
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Reports for monitors, commanders and admins, per link (or all in scope) and period: the incident
 * report (real incidents and drills apart: kinds, severities, states, acknowledgement times,
 * escalations by level) and the discipline report (line checks per post, flash and immediate traffic
 * and its acknowledgement), as tables, each with a CSV download.
 */
export class ReportsView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #link: HTMLSelectElement;
  readonly #from: HTMLInputElement;
  readonly #to: HTMLInputElement;
  readonly #show: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #incidents: HTMLElement;
  readonly #discipline: HTMLElement;
  readonly #notifications: HTMLElement;
  #last: { query: string; incidents: IncidentReport; discipline: DisciplineReport } | null = null;
  #loading = false;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    const { model } = ctx;
    this.#link = h(
      'select',
      { attrs: { name: 'report-link', id: 'report-link' } },
      h('option', { attrs: { value: '' } }, t('rep.allLinks')),
      model.links.map((l) => h('option', { attrs: { value: l.id } }, `${l.name} (${l.id})`)),
    );
    this.#from = h('input', { attrs: { name: 'report-from', id: 'report-from', type: 'datetime-local' } });
    this.#to = h('input', { attrs: { name: 'report-to', id: 'report-to', type: 'datetime-local' } });
    this.#from.value = toLocalInput(Date.now() - 24 * 3_600_000);
    this.#show = h('button', { class: 'primary', attrs: { type: 'submit' } }, t('rep.show'));
    this.#status = h('p', { class: 'record-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.#incidents = h('section', { class: 'report-section', attrs: { 'aria-label': t('rep.incidentReport'), 'data-report': 'incidents' } });
    this.#discipline = h('section', { class: 'report-section', attrs: { 'aria-label': t('rep.disciplineReport'), 'data-report': 'discipline' } });
    this.#notifications = h('section', { class: 'report-section', attrs: { 'aria-label': t('ntf.rep.title'), 'data-report': 'notifications' } });
    const form = h(
      'form',
      {
        class: 'report-form',
        attrs: { 'aria-label': t('rep.form') },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.load();
          },
        },
      },
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-link' } }, t('rep.link')), this.#link),
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-from' } }, t('rep.from')), this.#from),
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-to' } }, t('rep.to')), this.#to),
      this.#show,
    );
    this.el = h('section', { class: 'reports-view', attrs: { 'aria-label': t('tab.reports') } }, h('h2', { class: 'sr-only' }, t('tab.reports')), form, this.#status, this.#incidents, this.#discipline, this.#notifications);
  }

  #query(): string {
    const params = new URLSearchParams();
    const to = localInputTime(this.#to.value);
    const from = localInputTime(this.#from.value) ?? (to ?? Date.now()) - 24 * 3_600_000;
    params.set('from', String(from));
    if (to !== undefined) params.set('to', String(to + 59_999));
    else params.set('to', String(Date.now()));
    if (this.#link.value) params.set('link', this.#link.value);
    return params.toString();
  }

  /** Fetches both reports for the chosen link and period and draws them. */
  async load(): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    this.#show.disabled = true;
    this.el.dataset.state = 'loading';
    setText(this.#status, t('rep.fetching'));
    const query = this.#query();
    const token = this.#ctx.client.token;
    try {
      const [incidents, discipline] = await Promise.all([
        fetchWithToken(`/api/reports/incidents?${query}`, token).then((r) => r.json() as Promise<IncidentReport>),
        fetchWithToken(`/api/reports/discipline?${query}`, token).then((r) => r.json() as Promise<DisciplineReport>),
      ]);
      this.#last = { query, incidents, discipline };
      const link = this.#link.value ? (this.#ctx.model.link(this.#link.value)?.name ?? this.#link.value) : t('rep.allLinksLower');
      setText(this.#status, t('rep.period', { link: isolate(link), from: isolate(periodTime(incidents.from)), to: isolate(periodTime(incidents.to)) }));
      this.#drawIncidents(incidents);
      this.#drawDiscipline(discipline);
      await this.#loadNotifications(query);
      this.el.dataset.state = 'shown';
    } catch (err) {
      setText(this.#status, t('rep.fetchFailed', { reason: (err as Error).message }));
      this.el.dataset.state = 'error';
    } finally {
      this.#loading = false;
      this.#show.disabled = false;
    }
  }

  #drawIncidents(r: IncidentReport): void {
    const sections: [string, IncidentSection][] = [
      ['real', r.real],
      ['drill', r.drill],
    ];
    const levels = Math.max(1, ...sections.flatMap(([, s]) => Object.keys(s.escalationsByLevel).map(Number)));
    const kinds = Object.keys(KIND_LABEL).filter((k) => sections.some(([, s]) => s.byKind[k]));
    const states = STATES.filter((st) => sections.some(([, s]) => s.byState[st]));
    const cells = (f: (s: IncidentSection) => string | number) => sections.map(([col, s]): [string, string | number] => [col, f(s)]);
    const perLink = r.links.length > 1;
    fill(
      this.#incidents,
      h(
        'header',
        { class: 'report-head' },
        h('h2', null, t('rep.incidents')),
        h('button', { class: 'csv-btn', attrs: { type: 'button', 'data-csv': 'incidents' }, on: { click: () => void this.#incidentsCsv() } }, t('rep.csv', { format: 'CSV' })),
      ),
      h(
        'table',
        { class: 'report-table', attrs: { 'data-table': 'incidents' } },
        h('caption', null, t('rep.incidentsCaption')),
        h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, ''), h('th', { attrs: { scope: 'col' } }, t('rep.col.real')), h('th', { class: 'drill-col', attrs: { scope: 'col' } }, t('rep.col.exercises')))),
        h(
          'tbody',
          null,
          row('incidents', t('rep.row.incidents'), cells((s) => s.incidents), 'strong-row'),
          row('acknowledged', t('rep.row.acknowledged'), cells((s) => s.acknowledged)),
          row('ack-median', t('rep.row.ackMedian'), cells((s) => formatMs(s.ackTimes.medianMs))),
          row('ack-p90', t('rep.row.ackP90'), cells((s) => formatMs(s.ackTimes.p90Ms))),
          row('ack-worst', t('rep.row.ackWorst'), cells((s) => formatMs(s.ackTimes.worstMs))),
          row('escalations', t('rep.row.escalations'), cells((s) => s.escalations), 'strong-row'),
          Array.from({ length: levels }, (_, i) => row(`esc-level-${i + 1}`, t('rep.row.escLevel', { level: formatSeq(i + 1) }), cells((s) => s.escalationsByLevel[String(i + 1)] ?? 0))),
          kinds.map((k) => row(`kind-${k}`, t('rep.row.kind', { kind: KIND_LABEL[k as keyof typeof KIND_LABEL] }), cells((s) => s.byKind[k] ?? 0))),
          ([1, 2, 3, 4] as const).map((v) => row(`severity-${v}`, t('rep.row.severity', { severity: formatSeq(v), label: SEVERITY_LABEL[v] }), cells((s) => s.bySeverity[String(v)] ?? 0))),
          states.map((st) => row(`state-${st}`, t(`rep.row.now.${st}`), cells((s) => s.byState[st] ?? 0))),
        ),
      ),
      perLink
        ? h(
            'table',
            { class: 'report-table', attrs: { 'data-table': 'incidents-per-link' } },
            h('caption', null, t('rep.perLink')),
            h('thead', null, heads(['rep.col.link', 'rep.col.realShort', 'rep.row.acknowledged', 'rep.col.medianToAck', 'rep.row.escalations', 'rep.col.exercises', 'rep.col.exerciseEscalations'])),
            h(
              'tbody',
              null,
              r.links.map((id) => {
                const l = r.perLink[id]!;
                return row(`link-${id}`, this.#ctx.model.link(id)?.name ?? id, [
                  ['real', l.real.incidents],
                  ['acknowledged', l.real.acknowledged],
                  ['ack-median', formatMs(l.real.ackTimes.medianMs)],
                  ['escalations', l.real.escalations],
                  ['drill', l.drill.incidents],
                  ['drill-escalations', l.drill.escalations],
                ]);
              }),
            ),
          )
        : null,
    );
  }

  #drawDiscipline(r: DisciplineReport): void {
    const { model } = this.#ctx;
    const ids = Object.keys(r.links);
    const withChecks = ids.filter((id) => r.links[id]!.lineChecks.held > 0 || model.link(id)?.lineCheck);
    const prec = ids.flatMap((id) => Object.entries(r.links[id]!.precedence).map(([p, v]) => ({ id, p, v })));
    const name = (id: string) => model.link(id)?.name ?? id;
    fill(
      this.#discipline,
      h(
        'header',
        { class: 'report-head' },
        h('h2', null, t('rep.discipline')),
        h('button', { class: 'csv-btn', attrs: { type: 'button', 'data-csv': 'discipline' }, on: { click: () => this.#disciplineCsv() } }, t('rep.csv', { format: 'CSV' })),
      ),
      withChecks.length
        ? [
            h(
              'table',
              { class: 'report-table', attrs: { 'data-table': 'linechecks' } },
              h('caption', null, t('rep.lineChecks')),
              h('thead', null, heads(['rep.col.link', 'rep.col.held', 'rep.col.late', 'rep.col.answeredByBoth', 'rep.col.stillOpen', 'rep.col.faults'])),
              h(
                'tbody',
                null,
                withChecks.map((id) => {
                  const c = r.links[id]!.lineChecks;
                  return row(`link-${id}`, name(id), [
                    ['held', c.held],
                    ['late', c.late],
                    ['fully-answered', c.fullyAnswered],
                    ['open', c.open],
                    ['faults', c.faults],
                  ]);
                }),
              ),
            ),
            h(
              'table',
              { class: 'report-table', attrs: { 'data-table': 'linecheck-posts' } },
              h('caption', null, t('rep.lineChecksPerPost')),
              h('thead', null, heads(['rep.col.linkPost', 'rep.col.answered', 'rep.col.missed'])),
              h(
                'tbody',
                null,
                withChecks.flatMap((id) => {
                  const c = r.links[id]!.lineChecks;
                  const posts = model.link(id)?.posts ?? [...new Set([...Object.keys(c.answeredBy), ...Object.keys(c.missedBy)])];
                  return posts.map((p) =>
                    row(`${id}:${p}`, `${name(id)} · ${model.postName(p)}`, [
                      ['answered', c.answeredBy[p] ?? 0],
                      ['missed', c.missedBy[p] ?? 0],
                    ], (c.missedBy[p] ?? 0) > 0 ? 'warn-row' : ''),
                  );
                }),
              ),
            ),
          ]
        : h('p', { class: 'empty' }, t('rep.noLineChecks')),
      prec.length
        ? h(
            'table',
            { class: 'report-table', attrs: { 'data-table': 'precedence' } },
            h('caption', null, t('rep.precedenceCaption')),
            h(
              'thead',
              null,
              heads(['rep.col.linkPrecedence', 'rep.col.sent', 'rep.row.acknowledged', 'rep.col.awaiting', 'rep.col.escalated', 'rep.col.median', 'rep.col.p90', 'rep.col.worst']),
            ),
            h(
              'tbody',
              null,
              prec.map(({ id, p, v }) =>
                row(`${id}:${p}`, `${name(id)} · ${PRECEDENCE_LABEL[p as keyof typeof PRECEDENCE_LABEL] ?? p}`, [
                  ['sent', v.sent],
                  ['acknowledged', v.acknowledged],
                  ['awaiting', v.awaiting],
                  ['escalated', v.escalated],
                  ['ack-median', formatMs(v.ackTimes.medianMs)],
                  ['ack-p90', formatMs(v.ackTimes.p90Ms)],
                  ['ack-worst', formatMs(v.ackTimes.worstMs)],
                ], v.escalated > 0 || v.awaiting > 0 ? 'warn-row' : ''),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('rep.noPrecedence')),
    );
  }

  /** The notification figures (for every link in scope: the server reports them across links). */
  async #loadNotifications(query: string): Promise<void> {
    const params = new URLSearchParams(query);
    params.delete('link');
    try {
      const r = (await fetchWithToken(`/api/notifications/report?${params.toString()}`, this.#ctx.client.token).then((res) => res.json())) as NotificationReport;
      this.#drawNotifications(r);
    } catch (err) {
      fill(this.#notifications, h('h2', null, t('ntf.rep.title')), h('p', { class: 'empty' }, t('rep.fetchFailed', { reason: (err as Error).message })));
    }
  }

  #drawNotifications(r: NotificationReport): void {
    const channels = Object.keys(r.attempts).sort();
    const kinds = ATTEMPT_KINDS.filter((k) => channels.some((c) => r.attempts[c]![k]));
    const q = (key: string, label: string, v: Quantiles) =>
      row(key, label, [
        ['count', v.count],
        ['p50', formatMs(v.p50)],
        ['p95', formatMs(v.p95)],
        ['max', formatMs(v.max)],
      ]);
    fill(
      this.#notifications,
      h('header', { class: 'report-head' }, h('h2', null, t('ntf.rep.title'))),
      h('p', { class: 'report-note' }, t('ntf.rep.scope', { escalations: r.escalations, delivered: r.delivered })),
      h(
        'table',
        { class: 'report-table', attrs: { 'data-table': 'notify-times' } },
        h('caption', null, t('ntf.rep.timesCaption')),
        h('thead', null, heads(['ntf.rep.col.measure', 'ntf.rep.col.count', 'ntf.rep.col.p50', 'ntf.rep.col.p95', 'ntf.rep.col.max'])),
        h(
          'tbody',
          null,
          q('to-first-delivery', t('ntf.rep.toFirstDelivery'), r.escalationToFirstDeliveryMs),
          q('to-acknowledgement', t('ntf.rep.toAck'), r.escalationToAcknowledgementMs),
        ),
      ),
      channels.length
        ? h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'report-table', attrs: { 'data-table': 'notify-channels' } },
              h('caption', null, t('ntf.rep.channelsCaption')),
              h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, t('ntf.rep.col.channel')), kinds.map((k) => h('th', { attrs: { scope: 'col' } }, tk('ntf.rep.kind.', k))))),
              h(
                'tbody',
                null,
                channels.map((c) => row(`channel-${c}`, channelLabel(this.#ctx.attempts, c), kinds.map((k): [string, number] => [k, r.attempts[c]![k] ?? 0]))),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('ntf.rep.none')),
    );
  }

  /** The server's own CSV of the incident report (format=csv), for the period and link shown. */
  async #incidentsCsv(): Promise<void> {
    if (!this.#last) return;
    try {
      const res = await fetchWithToken(`/api/reports/incidents?${this.#last.query}&format=csv`, this.#ctx.client.token);
      saveFile(`${t('rep.file.incidents')}-${this.#link.value || t('rep.file.all')}-${fileStamp()}.csv`, await res.blob());
    } catch (err) {
      setText(this.#status, t('rep.csvFailed', { reason: (err as Error).message, format: 'CSV' }));
    }
  }

  /** The discipline report as CSV, one figure per row, made here from the figures on screen. */
  #disciplineCsv(): void {
    const r = this.#last?.discipline;
    if (!r) return;
    const from = new Date(r.from).toISOString();
    const to = new Date(r.to).toISOString();
    const lines = [['period_from', 'period_to', 'link', 'section', 'subject', 'measure', 'value'].join(',')];
    const add = (link: string, section: string, subject: string, measure: string, value: string | number) =>
      lines.push([from, to, link, section, subject, measure, value].map(csvCell).join(','));
    const sec = (ms: number | null) => (ms === null ? '' : (ms / 1000).toFixed(1));
    for (const [id, l] of Object.entries(r.links)) {
      const c = l.lineChecks;
      for (const m of ['held', 'late', 'open', 'fullyAnswered', 'faults'] as const) add(id, 'line_checks', 'all', m, c[m]);
      for (const [p, n] of Object.entries(c.answeredBy)) add(id, 'line_checks', p, 'answered', n);
      for (const [p, n] of Object.entries(c.missedBy)) add(id, 'line_checks', p, 'missed', n);
      for (const [p, v] of Object.entries(l.precedence)) {
        for (const m of ['sent', 'acknowledged', 'awaiting', 'escalated'] as const) add(id, 'precedence', p, m, v[m]);
        add(id, 'precedence', p, 'ack_median_s', sec(v.ackTimes.medianMs));
        add(id, 'precedence', p, 'ack_p90_s', sec(v.ackTimes.p90Ms));
        add(id, 'precedence', p, 'ack_worst_s', sec(v.ackTimes.worstMs));
      }
    }
    saveFile(`${t('rep.file.discipline')}-${this.#link.value || t('rep.file.all')}-${fileStamp()}.csv`, new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  }
}
