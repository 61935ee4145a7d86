import type { Durations, IncidentReport, IncidentSection } from '@hotline/shared';
import { fetchWithToken, fileStamp, localInputTime, saveFile, toLocalInput } from '../download.js';
import { fill, h, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, SEVERITY_LABEL, formatMs } from '../format.js';
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

const STATES = ['open', 'acknowledged', 'resolved', 'cancelled'] as const;

/** One value per column, tagged so each figure can be found (and checked) by row and column. */
function row(key: string, label: string, cells: [string, string | number][], cls = ''): HTMLElement {
  return h(
    'tr',
    { class: cls, attrs: { 'data-row': key } },
    h('th', { attrs: { scope: 'row' } }, label),
    cells.map(([col, value]) => h('td', { attrs: { 'data-col': col } }, String(value))),
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
  #last: { query: string; incidents: IncidentReport; discipline: DisciplineReport } | null = null;
  #loading = false;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    const { model } = ctx;
    this.#link = h(
      'select',
      { attrs: { name: 'report-link', id: 'report-link' } },
      h('option', { attrs: { value: '' } }, 'All links in scope'),
      model.links.map((l) => h('option', { attrs: { value: l.id } }, `${l.name} (${l.id})`)),
    );
    this.#from = h('input', { attrs: { name: 'report-from', id: 'report-from', type: 'datetime-local' } });
    this.#to = h('input', { attrs: { name: 'report-to', id: 'report-to', type: 'datetime-local' } });
    this.#from.value = toLocalInput(Date.now() - 24 * 3_600_000);
    this.#show = h('button', { class: 'primary', attrs: { type: 'submit' } }, 'Show report');
    this.#status = h('p', { class: 'record-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.#incidents = h('section', { class: 'report-section', attrs: { 'aria-label': 'Incident report', 'data-report': 'incidents' } });
    this.#discipline = h('section', { class: 'report-section', attrs: { 'aria-label': 'Discipline report', 'data-report': 'discipline' } });
    const form = h(
      'form',
      {
        class: 'report-form',
        attrs: { 'aria-label': 'Report period and link' },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.load();
          },
        },
      },
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-link' } }, 'Report on link'), this.#link),
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-from' } }, 'From'), this.#from),
      h('div', { class: 'field' }, h('label', { attrs: { for: 'report-to' } }, 'To (empty: now)'), this.#to),
      this.#show,
    );
    this.el = h('section', { class: 'reports-view', attrs: { 'aria-label': 'Reports' } }, h('h2', { class: 'sr-only' }, 'Reports'), form, this.#status, this.#incidents, this.#discipline);
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
    setText(this.#status, 'Fetching the reports…');
    const query = this.#query();
    const token = this.#ctx.client.token;
    try {
      const [incidents, discipline] = await Promise.all([
        fetchWithToken(`/api/reports/incidents?${query}`, token).then((r) => r.json() as Promise<IncidentReport>),
        fetchWithToken(`/api/reports/discipline?${query}`, token).then((r) => r.json() as Promise<DisciplineReport>),
      ]);
      this.#last = { query, incidents, discipline };
      const link = this.#link.value ? this.#ctx.model.link(this.#link.value)?.name : 'all links in scope';
      setText(this.#status, `${link}, ${new Date(incidents.from).toLocaleString('en-GB')} to ${new Date(incidents.to).toLocaleString('en-GB')}.`);
      this.#drawIncidents(incidents);
      this.#drawDiscipline(discipline);
      this.el.dataset.state = 'shown';
    } catch (err) {
      setText(this.#status, `Could not fetch the reports: ${(err as Error).message}`);
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
        h('h2', null, 'Incidents'),
        h('button', { class: 'csv-btn', attrs: { type: 'button', 'data-csv': 'incidents' }, on: { click: () => void this.#incidentsCsv() } }, 'Download CSV'),
      ),
      h(
        'table',
        { class: 'report-table', attrs: { 'data-table': 'incidents' } },
        h('caption', null, 'Real incidents and exercises apart. Times from the raise to the acknowledgement (nearest rank).'),
        h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, ''), h('th', { attrs: { scope: 'col' } }, 'Real incidents'), h('th', { class: 'drill-col', attrs: { scope: 'col' } }, 'Exercises'))),
        h(
          'tbody',
          null,
          row('incidents', 'Incidents', cells((s) => s.incidents), 'strong-row'),
          row('acknowledged', 'Acknowledged', cells((s) => s.acknowledged)),
          row('ack-median', 'Time to acknowledge: median', cells((s) => formatMs(s.ackTimes.medianMs))),
          row('ack-p90', 'Time to acknowledge: 90th percentile', cells((s) => formatMs(s.ackTimes.p90Ms))),
          row('ack-worst', 'Time to acknowledge: worst', cells((s) => formatMs(s.ackTimes.worstMs))),
          row('escalations', 'Escalations', cells((s) => s.escalations), 'strong-row'),
          Array.from({ length: levels }, (_, i) => row(`esc-level-${i + 1}`, `Escalations at level ${i + 1}`, cells((s) => s.escalationsByLevel[String(i + 1)] ?? 0))),
          kinds.map((k) => row(`kind-${k}`, `Kind: ${KIND_LABEL[k as keyof typeof KIND_LABEL]}`, cells((s) => s.byKind[k] ?? 0))),
          ([1, 2, 3, 4] as const).map((v) => row(`severity-${v}`, `Severity ${v} (${SEVERITY_LABEL[v]})`, cells((s) => s.bySeverity[String(v)] ?? 0))),
          states.map((st) => row(`state-${st}`, `Now ${st}`, cells((s) => s.byState[st] ?? 0))),
        ),
      ),
      perLink
        ? h(
            'table',
            { class: 'report-table', attrs: { 'data-table': 'incidents-per-link' } },
            h('caption', null, 'Per link'),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Link', 'Real', 'Acknowledged', 'Median to acknowledge', 'Escalations', 'Exercises', 'Exercise escalations'].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
              ),
            ),
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
        h('h2', null, 'Hotline discipline'),
        h('button', { class: 'csv-btn', attrs: { type: 'button', 'data-csv': 'discipline' }, on: { click: () => this.#disciplineCsv() } }, 'Download CSV'),
      ),
      withChecks.length
        ? [
            h(
              'table',
              { class: 'report-table', attrs: { 'data-table': 'linechecks' } },
              h('caption', null, 'Line checks'),
              h('thead', null, h('tr', null, ['Link', 'Held', 'Late', 'Answered by both', 'Still open', 'Faults raised'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
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
              h('caption', null, 'Line checks per post'),
              h('thead', null, h('tr', null, ['Link · post', 'Answered', 'Missed'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
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
        : h('p', { class: 'empty' }, 'No line checks in this period.'),
      prec.length
        ? h(
            'table',
            { class: 'report-table', attrs: { 'data-table': 'precedence' } },
            h('caption', null, 'Flash and immediate traffic (real, not exercises): acknowledgement by the counterpart'),
            h(
              'thead',
              null,
              h('tr', null, ['Link · precedence', 'Sent', 'Acknowledged', 'Awaiting', 'Escalated', 'Median', '90th percentile', 'Worst'].map((t) => h('th', { attrs: { scope: 'col' } }, t))),
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
        : h('p', { class: 'empty' }, 'No flash or immediate messages in this period.'),
    );
  }

  /** The server's own CSV of the incident report (format=csv), for the period and link shown. */
  async #incidentsCsv(): Promise<void> {
    if (!this.#last) return;
    try {
      const res = await fetchWithToken(`/api/reports/incidents?${this.#last.query}&format=csv`, this.#ctx.client.token);
      saveFile(`incidents-${this.#link.value || 'all'}-${fileStamp()}.csv`, await res.blob());
    } catch (err) {
      setText(this.#status, `Could not fetch the CSV: ${(err as Error).message}`);
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
    saveFile(`discipline-${this.#link.value || 'all'}-${fileStamp()}.csv`, new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  }
}
