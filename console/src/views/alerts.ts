import type { Alert, Entry, Escalation } from '@hotline/shared';
import { LIMITS } from '@hotline/shared/core';
import { fill, h, reconcile, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, SEVERITY_LABEL, STATE_LABEL, formatTime } from '../format.js';
import { DEFAULT_FILTER, type AlertFilter, type AlertRecord } from '../model.js';
import type { AlertNow } from '../notify-attempts.js';
import { actorLabel, alertBetween, alertDescription, confirmButton, escalationLine, exerciseBadge, listOf, precedenceBadge, raisedByText, severityChip, type Ctx } from './common.js';
import { ackVia, attemptItem, attemptsSummary, channelLabel, throughText } from './attempts.js';
import { deadlineStamp, messageAckButton } from './discipline.js';
import { t, tk, upper } from '../i18n/index.js';

/**
 * Alerts: for commanders and supervisors the escalation inbox (with its chime), every alert in scope
 * with filters (state, link, severity, exercise), and the selected alert's facts, countdown, actions
 * (ack, comment, resolve, cancel: whatever this user may, on behalf of which post) and timeline.
 */
export class AlertsView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #list: HTMLElement;
  readonly #count: HTMLElement;
  readonly #detail: AlertDetail;
  readonly #inbox: InboxPane | null;
  #filter: AlertFilter = { ...DEFAULT_FILTER };
  #selected: string | null = null;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    const { model } = ctx;
    this.#list = h('div', { class: 'alert-list', attrs: { role: 'list', 'aria-label': t('tab.alerts') } });
    this.#count = h('span', { class: 'count', attrs: { 'aria-live': 'polite' } });
    this.#detail = new AlertDetail(ctx);
    this.#inbox = model.receivesEscalations ? new InboxPane(ctx, (id) => this.select(id)) : null;

    const select = (label: string, name: keyof AlertFilter, options: [string, string][]) => {
      const el = h('select', { attrs: { name, 'aria-label': label } }, options.map(([value, text]) => h('option', { attrs: { value } }, text)));
      el.value = String(this.#filter[name]);
      el.addEventListener('change', () => {
        const v = el.value;
        this.#filter = { ...this.#filter, [name]: name === 'minSeverity' ? Number(v) : v } as AlertFilter;
        this.update();
      });
      return h('label', { class: 'filter' }, h('span', null, label), el);
    };
    const filters = h(
      'div',
      { class: 'filters', attrs: { role: 'group', 'aria-label': t('alerts.filters') } },
      select(t('alerts.fState'), 'state', [
        ['active', t('alerts.fActive')],
        ['open', t('alerts.fOpen')],
        ['acknowledged', t('alerts.fAcked')],
        ['resolved', t('alerts.fResolved')],
        ['cancelled', t('alerts.fCancelled')],
        ['all', t('alerts.fAll')],
      ]),
      select(t('alerts.fLink'), 'link', [['all', t('alerts.fAllLinks')], ...model.links.map((l): [string, string] => [l.id, l.name])]),
      select(t('alerts.fSeverity'), 'minSeverity', [
        ['1', t('alerts.fAny')],
        ['2', t('alerts.fAndUp', { n: 2 })],
        ['3', t('alerts.fAndUp', { n: 3 })],
        ['4', t('alerts.fOnly', { n: 4 })],
      ]),
      select(t('alerts.fTraffic'), 'drill', [
        ['all', t('alerts.fAll')],
        ['real', t('alerts.fReal')],
        ['drill', t('alerts.fExercise')],
      ]),
    );
    this.el = h(
      'section',
      { class: `alerts-view${this.#inbox ? ' with-inbox' : ''}`, attrs: { 'aria-label': t('tab.alerts') } },
      this.#inbox?.el ?? null,
      h('section', { class: 'alert-list-pane' }, h('h2', { class: 'pane-title' }, t('alerts.inScope'), ' ', this.#count), filters, this.#list),
      this.#detail.el,
    );
  }

  get selected(): string | null {
    return this.#selected;
  }

  select(alertId: string): void {
    this.#selected = alertId;
    const a = this.#ctx.model.alert(alertId)?.alert;
    // Make sure the chosen alert is in the list: widen the filter if it hides it.
    if (a && !this.#ctx.model.filteredAlerts(this.#filter).some((r) => r.alert.alertId === alertId)) this.#filter = { ...DEFAULT_FILTER, state: 'all' };
    for (const sel of Array.from(this.el.querySelectorAll('select'))) sel.value = String(this.#filter[sel.name as keyof AlertFilter]);
    this.update();
    this.#detail.focus();
  }

  update(): void {
    const { model } = this.#ctx;
    const records = model.filteredAlerts(this.#filter);
    if (this.#selected === null && records[0]) this.#selected = records[0].alert.alertId;
    setText(this.#count, `(${records.length})`);
    const now = this.#ctx.serverNow();
    reconcile(
      this.#list,
      records,
      (r) => r.alert.alertId,
      (r) => h('button', { class: 'alert-row', attrs: { type: 'button', role: 'listitem', 'data-alert': r.alert.alertId }, on: { click: () => this.select(r.alert.alertId) } }),
      (el, r) => this.#row(el, r, now),
    );
    if (records.length === 0) this.#list.replaceChildren(h('p', { class: 'empty' }, t('alerts.noMatch')));
    this.#detail.show(this.#selected);
    this.#inbox?.update();
  }

  #row(el: HTMLElement, r: AlertRecord, now: number): void {
    const { model } = this.#ctx;
    const a = r.alert;
    const stamp = `${a.state}:${a.step}:${a.updatedSeq}:${a.alertId === this.#selected}`;
    if (el.dataset.stamp === stamp) return;
    el.dataset.stamp = stamp;
    el.className = `alert-row sev-${a.severity} state-${a.state}${a.drill ? ' drill' : ''}${a.alertId === this.#selected ? ' selected' : ''}`;
    el.setAttribute('aria-current', String(a.alertId === this.#selected));
    fill(
      el,
      h('span', { class: 'row-top' }, severityChip(a.severity), exerciseBadge(a.drill), h('span', { class: `state-chip state-${a.state}` }, upper(tk('stateShort.', a.state))), h('time', { class: 'row-time' }, formatTime(a.raisedAt))),
      h('strong', { class: 'row-kind' }, KIND_LABEL[a.kind]),
      h('span', { class: 'row-where' }, `${model.link(a.linkId)?.name ?? a.linkId}: ${alertBetween(model, a)}`),
      a.state === 'open' ? escalationLine(model, a, now) : null,
    );
  }
}

/** The selected alert: facts, countdown, actions and timeline. */
class AlertDetail {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #body: HTMLElement;
  readonly #actions: HTMLElement;
  readonly #timeline: HTMLOListElement;
  readonly #comment: HTMLTextAreaElement;
  readonly #resolution: HTMLTextAreaElement;
  #alertId: string | null = null;
  #stamp = '';

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#body = h('div', { class: 'detail-body' });
    this.#actions = h('div', { class: 'detail-actions' });
    this.#timeline = h('ol', { class: 'timeline', attrs: { 'aria-label': t('alerts.timeline') } });
    this.#comment = h('textarea', { attrs: { dir: 'auto', rows: 2, 'aria-label': t('alerts.comment'), placeholder: t('alerts.commentPlaceholder'), maxlength: LIMITS.ALERT_TEXT_MAX } });
    this.#resolution = h('textarea', { attrs: { dir: 'auto', rows: 2, 'aria-label': t('alerts.resolution'), placeholder: t('alerts.resolutionPlaceholder'), maxlength: LIMITS.ALERT_TEXT_MAX } });
    this.el = h(
      'section',
      { class: 'alert-detail', attrs: { 'aria-label': t('alerts.details'), tabindex: -1 } },
      this.#body,
      this.#actions,
      h('h3', { class: 'pane-title' }, t('alerts.timeline')),
      this.#timeline,
    );
  }

  focus(): void {
    this.el.focus({ preventScroll: true });
  }

  show(alertId: string | null): void {
    const { model } = this.#ctx;
    if (alertId !== this.#alertId) {
      this.#alertId = alertId;
      this.#comment.value = '';
      this.#resolution.value = '';
      this.#stamp = '';
    }
    const record = alertId ? model.alert(alertId) : undefined;
    const pending = this.#ctx.outbox().filter((i) => 'alertId' in i.payload && i.payload.alertId === alertId);
    // Its notification attempts: fetched when shown, and again with each new entry on it.
    if (record) this.#ctx.attempts.want(record.alert.alertId, `${record.alert.updatedSeq}:${record.timeline.length}`, alertNow(record));
    const stamp = record ? `${record.alert.updatedSeq}:${record.timeline.length}:${pending.length}:${this.#ctx.client.status}:${this.#ctx.attempts.version}` : 'none';
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    if (!record) {
      fill(this.#body, h('p', { class: 'empty' }, t('alerts.selectOne')));
      this.#actions.replaceChildren();
      this.#timeline.replaceChildren();
      this.el.className = 'alert-detail';
      return;
    }
    const a = record.alert;
    const now = this.#ctx.serverNow();
    this.el.className = `alert-detail sev-${a.severity} state-${a.state}${a.drill ? ' drill' : ''}`;
    this.el.dataset.alert = a.alertId;
    const link = model.link(a.linkId);
    const policy = model.topology.escalationPolicies.find((p) => p.id === a.policyId);
    fill(
      this.#body,
      a.drill ? h('div', { class: 'exercise-strip' }, t('alerts.exerciseStrip')) : null,
      h('header', { class: 'detail-head' }, h('h2', null, KIND_LABEL[a.kind]), severityChip(a.severity), h('span', { class: `state-chip big state-${a.state}` }, STATE_LABEL[a.state])),
      h('p', { class: 'detail-desc', attrs: { dir: 'auto' } }, alertDescription(model, a)),
      a.state === 'open' ? h('p', { class: 'detail-countdown' }, escalationLine(model, a, now)) : null,
      h(
        'dl',
        { class: 'facts' },
        fact(t('alerts.link'), `${link?.name ?? a.linkId}`),
        fact(t('alerts.raisedBy'), t('alerts.whoAt', { who: raisedByText(model, a), time: formatTime(a.raisedAt) })),
        fact(a.kind === 'line-fault' ? t('alerts.didNotAnswer') : t('alerts.counterpart'), a.counterpartOnline ? model.postName(a.counterpartPostId) : t('alerts.offlineWhenRaised', { post: model.postName(a.counterpartPostId) })),
        a.occurredAt !== undefined ? fact(t('alerts.occurred'), formatTime(a.occurredAt)) : null,
        fact(
          t('alerts.location'),
          a.location
            ? `${a.location.label ? `${a.location.label}, ` : ''}${a.location.lat.toFixed(4)}, ${a.location.lon.toFixed(4)}`
            : a.kind === 'line-fault'
              ? t('alerts.lineBetween', { a: model.postName(a.raiserPostId), b: model.postName(a.counterpartPostId) })
              : t('takeover.at', { place: model.postName(a.raiserPostId) }),
        ),
        a.acknowledgedBy ? fact(t('alerts.acked'), t('alerts.whoAt', { who: actorLabel(model, a.acknowledgedBy), time: formatTime(a.acknowledgedAt ?? 0) }) + this.#through(record)) : null,
        a.resolvedBy ? fact(t('alerts.resolved'), t('alerts.whoAt', { who: actorLabel(model, a.resolvedBy), time: formatTime(a.resolvedAt ?? 0) })) : null,
        a.cancelledBy ? fact(t('alerts.cancelled'), t('alerts.whoAt', { who: actorLabel(model, a.cancelledBy), time: formatTime(a.cancelledAt ?? 0) })) : null,
        fact(t('alerts.escalation'), t('alerts.stepsSoFar', { policy: policy?.name ?? a.policyId, count: a.step })),
        fact(t('alerts.alertId'), a.alertId),
      ),
    );
    this.#renderActions(a, pending.map((i) => i.event));
    // The alert's entries and its notification attempts, in time order (an entry before an attempt at the same moment).
    const items: { at: number; order: number; el: () => HTMLElement }[] = [
      ...record.timeline.map((e, i) => ({ at: e.ts, order: i, el: () => this.#timelineItem(e) })),
      ...(this.#ctx.attempts.of(a.alertId) ?? []).map((x, i) => ({ at: x.at, order: record.timeline.length + i, el: () => attemptItem(this.#ctx, x) })),
    ];
    items.sort((x, y) => x.at - y.at || x.order - y.order);
    fill(this.#timeline, items.map((x) => x.el()));
  }

  /** " · through SMS" for an acknowledgement made by a gateway reply. */
  #through(record: AlertRecord): string {
    const via = ackVia(record);
    return via ? ` · ${throughText(this.#ctx.attempts, via)}` : '';
  }

  #renderActions(a: Alert, pending: string[]): void {
    const { model, client } = this.#ctx;
    const perms = model.permissions(a);
    const offline = client.status !== 'connected';
    const queuedNote = pending.length
      ? h('p', { class: 'queued-note' }, t(offline ? 'alerts.pendingOffline' : 'alerts.pending', { count: pending.length }))
      : null;
    if (model.readOnly) {
      fill(this.#actions, h('p', { class: 'readonly-note' }, t('alerts.readonly')));
      return;
    }
    const act = (promise: Promise<unknown>) => {
      promise.catch(() => undefined); // refusals arrive as 'failed' notices
      this.#ctx.requestRender();
    };
    const buttons = h('div', { class: 'action-row' });
    if (perms.ack && !pending.includes('alert:ack')) {
      buttons.append(h('button', { class: 'primary ack', attrs: { type: 'button' }, on: { click: () => act(client.ackAlert(a.alertId)) } }, t('alerts.ack')));
    }
    if (perms.cancel && !pending.includes('alert:cancel')) {
      buttons.append(confirmButton(t('alerts.cancelBtn'), t('alerts.cancelConfirm'), () => act(client.cancelAlert(a.alertId)), 'danger cancel'));
    }
    const forms: HTMLElement[] = [];
    if (perms.resolve) {
      const btn = h('button', { class: 'resolve', attrs: { type: 'button' } }, t('alerts.resolve'));
      btn.addEventListener('click', () => {
        const text = this.#resolution.value.trim();
        if (!text) {
          this.#resolution.focus();
          this.#resolution.setAttribute('aria-invalid', 'true');
          return;
        }
        this.#resolution.removeAttribute('aria-invalid');
        this.#resolution.value = '';
        act(client.resolveAlert(a.alertId, text));
      });
      forms.push(h('div', { class: 'action-form' }, this.#resolution, btn));
    }
    if (perms.comment) {
      const btn = h('button', { class: 'comment', attrs: { type: 'button' } }, t('alerts.addComment'));
      btn.addEventListener('click', () => {
        const text = this.#comment.value.trim();
        if (!text) {
          this.#comment.focus();
          return;
        }
        this.#comment.value = '';
        act(client.commentAlert(a.alertId, text));
      });
      forms.push(h('div', { class: 'action-form' }, this.#comment, btn));
    }
    const acting =
      perms.actingFor && model.user.role === 'commander'
        ? h('p', { class: 'acting-for' }, t('alerts.actingFor'), ' ', h('strong', null, model.postName(perms.actingFor)), ` (${model.sideOfPost(perms.actingFor)?.name ?? ''})`)
        : null;
    const none = !perms.ack && !perms.cancel && !perms.resolve && !perms.comment ? h('p', { class: 'readonly-note' }, t('alerts.nothing')) : null;
    fill(this.#actions, acting, queuedNote, buttons.childElementCount ? buttons : null, forms, none);
  }

  #timelineItem(e: Entry): HTMLElement {
    const { model } = this.#ctx;
    let what: string;
    let text: string | undefined;
    switch (e.type) {
      case 'alert.raised':
        what = t('alerts.tlRaised');
        text = e.payload.description;
        break;
      case 'alert.acknowledged':
        what = e.payload.via ? t('ntf.ackedThrough', { channel: channelLabel(this.#ctx.attempts, `gateway:${e.payload.via.gateway}`) }) : t('alerts.acked');
        text = e.payload.text;
        break;
      case 'alert.escalated':
        what = t(e.payload.repeat ? 'alerts.tlEscRepeat' : 'alerts.tlEsc', { step: e.payload.step, level: e.payload.level });
        text = t(e.payload.reason === 'counterpart-offline' ? 'alerts.notifiedOffline' : 'alerts.notified', { who: e.payload.targets.length ? listOf(e.payload.targets.map((x) => model.userName(x))) : t('common.nobody') });
        break;
      case 'alert.commented':
        what = t('alerts.comment');
        text = e.payload.text;
        break;
      case 'alert.resolved':
        what = t('alerts.resolved');
        text = e.payload.text;
        break;
      case 'alert.cancelled':
        what = t('state.cancelled');
        text = e.payload.text;
        break;
      default:
        what = e.type;
    }
    return h(
      'li',
      { class: `tl-item ${e.type.replace('.', '-')}`, attrs: { 'data-seq': e.seq } },
      h('time', null, formatTime(e.ts)),
      h('span', { class: 'tl-what' }, what),
      h('span', { class: 'tl-who' }, e.actor.role === 'system' ? t('common.system') : actorLabel(model, e.actor)),
      text ? h('span', { class: 'tl-text', attrs: { dir: 'auto' } }, text) : null,
    );
  }
}

/** What the attempts store needs to know of an alert to tell whether more attempts are to come. */
function alertNow(record: AlertRecord): AlertNow {
  const open = record.alert.state === 'open';
  const last = [...record.timeline].reverse().find((e) => (open && e.type === 'alert.escalated') || (e.type === 'alert.acknowledged' && e.payload.via));
  return { open, expectSince: last ? last.ts : null };
}

function fact(label: string, value: string): HTMLElement[] {
  return [h('dt', null, label), h('dd', { attrs: { dir: 'auto' } }, value)];
}

/** How many of the newest inbox cards say how their alert was notified. */
const INBOX_ATTEMPTS = 20;

/** The escalation inbox: escalations that reached this user, newest first; unread ones chime. */
class InboxPane {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #list: HTMLOListElement;
  readonly #head: HTMLElement;
  readonly #markRead: HTMLButtonElement;
  readonly #open: (alertId: string) => void;

  constructor(ctx: Ctx, open: (alertId: string) => void) {
    this.#ctx = ctx;
    this.#open = open;
    this.#list = h('ol', { class: 'inbox-list', attrs: { 'aria-label': t('inbox.escalations') } });
    this.#head = h('span', { class: 'count', attrs: { 'aria-live': 'assertive' } });
    this.#markRead = h(
      'button',
      {
        class: 'mark-read primary',
        attrs: { type: 'button' },
        on: {
          click: () => {
            const top = ctx.model.inbox[0];
            if (!top) return;
            ctx.model.inboxReadUpto = Math.max(ctx.model.inboxReadUpto, top.position);
            ctx.client.markInboxRead(top.position).catch(() => undefined);
            ctx.requestRender();
          },
        },
      },
      t('inbox.markRead'),
    );
    this.el = h('section', { class: 'inbox-pane', attrs: { 'aria-label': t('inbox.title') } }, h('h2', { class: 'pane-title' }, t('inbox.title'), ' ', this.#head), this.#markRead, this.#list);
  }

  update(): void {
    const { model } = this.#ctx;
    const unread = model.unreadEscalations.length;
    setText(this.#head, unread ? t('inbox.newCount', { count: unread }) : '');
    this.#markRead.hidden = unread === 0;
    this.el.classList.toggle('has-unread', unread > 0);
    // How each was notified: fetched for the newest ones only (older cards show what was fetched before).
    const recent = new Set(model.inbox.slice(0, INBOX_ATTEMPTS).map((e) => e.position));
    reconcile(
      this.#list,
      model.inbox,
      (e) => String(e.position),
      (e) =>
        h('li', {
          class: 'esc',
          attrs: { 'data-position': e.position, 'data-subject': e.subject, 'data-alert': e.alertId, 'data-deadline-id': e.subject === 'message' ? e.id : undefined },
        }),
      (el, e) => this.#item(el, e, recent.has(e.position)),
    );
    if (model.inbox.length === 0) this.#list.replaceChildren(h('p', { class: 'empty' }, t('inbox.empty')));
  }

  /** `recent`: among the newest INBOX_ATTEMPTS escalations, whose attempts the inbox fetches. */
  #item(el: HTMLElement, e: Escalation, recent: boolean): void {
    if (e.subject === 'message') {
      this.#messageItem(el, e);
      return;
    }
    const { model } = this.#ctx;
    const a = model.escalationAlert(e);
    if (!a) return;
    const unread = e.position > model.inboxReadUpto;
    const record = model.alert(a.alertId);
    if (record && recent) this.#ctx.attempts.want(a.alertId, `${a.updatedSeq}:${record.timeline.length}`, alertNow(record));
    const attempts = this.#ctx.attempts.of(a.alertId);
    const reached = attempts ? attemptsSummary(this.#ctx.attempts, attempts, model.user.id) : '';
    const stamp = `${unread}:${a.state}:${a.step}:${this.#ctx.outbox().length}:${reached}`;
    if (el.dataset.stamp === stamp) return;
    el.dataset.stamp = stamp;
    el.className = `esc sev-${a.severity}${unread ? ' unread' : ''}${e.drill ? ' drill' : ''}`;
    fill(
      el,
      h(
        'button',
        { class: 'esc-open', attrs: { type: 'button' }, on: { click: () => this.#open(a.alertId) } },
        h(
          'span',
          { class: 'row-top' },
          unread ? h('span', { class: 'new-chip' }, t('inbox.new')) : null,
          exerciseBadge(e.drill),
          severityChip(a.severity),
          h('span', { class: 'esc-step' }, t('inbox.step', { step: e.step, level: e.level })),
          h('time', { class: 'row-time' }, formatTime(e.at)),
        ),
        h('strong', { class: 'row-kind' }, `${KIND_LABEL[a.kind]} (${SEVERITY_LABEL[a.severity]})`),
        h(
          'span',
          { class: 'row-where' },
          `${model.link(e.linkId)?.name ?? e.linkId}: ${t('inbox.alertWhere', { who: a.raisedBy.role === 'system' ? raisedByText(model, a) : model.postName(a.raiserPostId), time: formatTime(a.raisedAt), post: model.postName(a.counterpartPostId) })}`,
        ),
        h('span', { class: `state-chip state-${a.state}` }, t('inbox.now', { state: STATE_LABEL[a.state] })),
        reached ? h('span', { class: 'esc-attempts', attrs: { title: t('ntf.inboxTitle') } }, reached) : null,
      ),
      this.#ackButton(a),
    );
  }

  /** ACKNOWLEDGE, right on the inbox card, on behalf of the post the user covers: one click. */
  #ackButton(a: Alert): HTMLElement | null {
    const { model, client } = this.#ctx;
    const perms = a.state === 'open' ? model.permissions(a) : null;
    if (!perms?.ack) return null;
    const pending = this.#ctx.outbox().some((i) => i.event === 'alert:ack' && 'alertId' in i.payload && i.payload.alertId === a.alertId);
    if (pending) return h('span', { class: 'ack-pending' }, t('takeover.acking'));
    return h(
      'button',
      {
        class: 'msg-ack primary inbox-ack',
        attrs: { type: 'button', 'data-alert': a.alertId },
        on: {
          click: (ev) => {
            ev.stopPropagation();
            client.ackAlert(a.alertId).catch(() => undefined); // a refusal arrives as a 'failed' notice
            this.#ctx.requestRender();
          },
        },
      },
      perms.actingFor ? t('inbox.ackFor', { post: model.postName(perms.actingFor) }) : t('alerts.ack'),
    );
  }

  /** A flash or immediate message the counterpart did not acknowledge in time. */
  #messageItem(el: HTMLElement, e: Escalation): void {
    const ctx = this.#ctx;
    const { model } = ctx;
    const record = model.deadlines.get(e.id);
    const d = record ?? e.message;
    if (!d) return;
    const unread = e.position > model.inboxReadUpto;
    const now = ctx.serverNow();
    const stamp = `${unread}:${record ? deadlineStamp(ctx, record, now) : d.state}`;
    if (el.dataset.stamp === stamp) return;
    el.dataset.stamp = stamp;
    el.className = `esc msg-esc prec-${d.precedence}${unread ? ' unread' : ''}${e.drill ? ' drill' : ''}`;
    const acked = d.state === 'acknowledged';
    fill(
      el,
      h(
        'button',
        { class: 'esc-open', attrs: { type: 'button', title: t('inbox.showMessage') }, on: { click: () => ctx.openMessage(d.linkId, d.seq) } },
        h(
          'span',
          { class: 'row-top' },
          unread ? h('span', { class: 'new-chip' }, t('inbox.new')) : null,
          exerciseBadge(e.drill),
          precedenceBadge(d.precedence),
          h('span', { class: 'esc-step' }, t('inbox.step', { step: e.step, level: e.level })),
          h('time', { class: 'row-time' }, formatTime(e.at)),
        ),
        h('strong', { class: 'row-kind' }, t('inbox.msgNotAcked', { precedence: PRECEDENCE_LABEL[d.precedence] })),
        h('span', { class: 'esc-excerpt', attrs: { dir: 'auto' } }, d.excerpt),
        h(
          'span',
          { class: 'row-where' },
          `${model.link(d.linkId)?.name ?? d.linkId}: ${t('inbox.msgWhere', { sender: model.postName(d.senderPostId), time: formatTime(d.sentAt), post: model.postName(d.counterpartPostId), deadline: formatTime(d.deadlineAt) })}`,
        ),
        h(
          'span',
          { class: `state-chip ${acked ? 'state-acknowledged' : 'state-open'}` },
          acked ? t('inbox.nowAcked', { who: d.acknowledgedBy ? actorLabel(model, d.acknowledgedBy) : model.postName(d.counterpartPostId), time: formatTime(d.acknowledgedAt ?? 0) }) : t('inbox.nowAwaiting'),
        ),
      ),
      record ? messageAckButton(ctx, record) : null,
    );
  }
}
