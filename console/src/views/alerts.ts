import type { Alert, Entry, Escalation } from '@hotline/shared';
import { LIMITS } from '@hotline/shared/core';
import { fill, h, reconcile, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, SEVERITY_LABEL, STATE_LABEL, formatTime } from '../format.js';
import { DEFAULT_FILTER, type AlertFilter, type AlertRecord } from '../model.js';
import { actorLabel, alertBetween, alertDescription, confirmButton, escalationLine, exerciseBadge, precedenceBadge, raisedByText, severityChip, type Ctx } from './common.js';
import { deadlineStamp, messageAckButton } from './discipline.js';

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
    this.#list = h('div', { class: 'alert-list', attrs: { role: 'list', 'aria-label': 'Alerts' } });
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
      { class: 'filters', attrs: { role: 'group', 'aria-label': 'Filters' } },
      select('State', 'state', [
        ['active', 'Active'],
        ['open', 'Open'],
        ['acknowledged', 'Acknowledged'],
        ['resolved', 'Resolved'],
        ['cancelled', 'Cancelled'],
        ['all', 'All'],
      ]),
      select('Link', 'link', [['all', 'All links'], ...model.links.map((l): [string, string] => [l.id, l.name])]),
      select('Severity', 'minSeverity', [
        ['1', 'Any'],
        ['2', '2 and up'],
        ['3', '3 and up'],
        ['4', '4 only'],
      ]),
      select('Traffic', 'drill', [
        ['all', 'All'],
        ['real', 'Real'],
        ['drill', 'Exercise'],
      ]),
    );
    this.el = h(
      'section',
      { class: `alerts-view${this.#inbox ? ' with-inbox' : ''}`, attrs: { 'aria-label': 'Alerts' } },
      this.#inbox?.el ?? null,
      h('section', { class: 'alert-list-pane' }, h('h2', { class: 'pane-title' }, 'Alerts in scope ', this.#count), filters, this.#list),
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
    if (records.length === 0) this.#list.replaceChildren(h('p', { class: 'empty' }, 'No alerts match these filters.'));
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
      h('span', { class: 'row-top' }, severityChip(a.severity), exerciseBadge(a.drill), h('span', { class: `state-chip state-${a.state}` }, a.state.toUpperCase()), h('time', { class: 'row-time' }, formatTime(a.raisedAt))),
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
    this.#timeline = h('ol', { class: 'timeline', attrs: { 'aria-label': 'Timeline' } });
    this.#comment = h('textarea', { attrs: { dir: 'auto', rows: 2, 'aria-label': 'Comment', placeholder: 'Comment (seen by both posts)', maxlength: LIMITS.ALERT_TEXT_MAX } });
    this.#resolution = h('textarea', { attrs: { dir: 'auto', rows: 2, 'aria-label': 'Resolution', placeholder: 'How was it resolved?', maxlength: LIMITS.ALERT_TEXT_MAX } });
    this.el = h(
      'section',
      { class: 'alert-detail', attrs: { 'aria-label': 'Alert details', tabindex: -1 } },
      this.#body,
      this.#actions,
      h('h3', { class: 'pane-title' }, 'Timeline'),
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
    const stamp = record ? `${record.alert.updatedSeq}:${record.timeline.length}:${pending.length}:${this.#ctx.client.status}` : 'none';
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    if (!record) {
      fill(this.#body, h('p', { class: 'empty' }, 'Select an alert to see its details.'));
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
      a.drill ? h('div', { class: 'exercise-strip' }, 'EXERCISE · EXERCISE · EXERCISE: not a real incident') : null,
      h('header', { class: 'detail-head' }, h('h2', null, KIND_LABEL[a.kind]), severityChip(a.severity), h('span', { class: `state-chip big state-${a.state}` }, STATE_LABEL[a.state])),
      h('p', { class: 'detail-desc', attrs: { dir: 'auto' } }, alertDescription(model, a)),
      a.state === 'open' ? h('p', { class: 'detail-countdown' }, escalationLine(model, a, now)) : null,
      h(
        'dl',
        { class: 'facts' },
        fact('Link', `${link?.name ?? a.linkId}`),
        fact('Raised by', `${raisedByText(model, a)} at ${formatTime(a.raisedAt)}`),
        fact(a.kind === 'line-fault' ? 'Did not answer' : 'Counterpart', `${model.postName(a.counterpartPostId)}${a.counterpartOnline ? '' : ' (offline when raised)'}`),
        a.occurredAt !== undefined ? fact('Occurred', formatTime(a.occurredAt)) : null,
        fact(
          'Location',
          a.location
            ? `${a.location.label ? `${a.location.label}, ` : ''}${a.location.lat.toFixed(4)}, ${a.location.lon.toFixed(4)}`
            : a.kind === 'line-fault'
              ? `the line between ${model.postName(a.raiserPostId)} and ${model.postName(a.counterpartPostId)}`
              : `at ${model.postName(a.raiserPostId)}`,
        ),
        a.acknowledgedBy ? fact('Acknowledged', `${actorLabel(model, a.acknowledgedBy)} at ${formatTime(a.acknowledgedAt ?? 0)}`) : null,
        a.resolvedBy ? fact('Resolved', `${actorLabel(model, a.resolvedBy)} at ${formatTime(a.resolvedAt ?? 0)}`) : null,
        a.cancelledBy ? fact('Cancelled', `${actorLabel(model, a.cancelledBy)} at ${formatTime(a.cancelledAt ?? 0)}`) : null,
        fact('Escalation', `${policy?.name ?? a.policyId}; ${a.step} step${a.step === 1 ? '' : 's'} so far`),
        fact('Alert id', a.alertId),
      ),
    );
    this.#renderActions(a, pending.map((i) => i.event));
    fill(this.#timeline, record.timeline.map((e) => this.#timelineItem(e)));
  }

  #renderActions(a: Alert, pending: string[]): void {
    const { model, client } = this.#ctx;
    const perms = model.permissions(a);
    const offline = client.status !== 'connected';
    const queuedNote = pending.length
      ? h('p', { class: 'queued-note' }, `${pending.map((e) => e.replace('alert:', '')).join(', ')} waiting in the outbox${offline ? ': goes out when the line is back' : ''}`)
      : null;
    if (model.readOnly) {
      fill(this.#actions, h('p', { class: 'readonly-note' }, 'Read-only: monitors see every alert but act on none.'));
      return;
    }
    const act = (promise: Promise<unknown>) => {
      promise.catch(() => undefined); // refusals arrive as 'failed' notices
      this.#ctx.requestRender();
    };
    const buttons = h('div', { class: 'action-row' });
    if (perms.ack && !pending.includes('alert:ack')) {
      buttons.append(h('button', { class: 'primary ack', attrs: { type: 'button' }, on: { click: () => act(client.ackAlert(a.alertId)) } }, 'Acknowledge'));
    }
    if (perms.cancel && !pending.includes('alert:cancel')) {
      buttons.append(confirmButton('Cancel: false alarm', 'Press again to cancel the alert', () => act(client.cancelAlert(a.alertId)), 'danger cancel'));
    }
    const forms: HTMLElement[] = [];
    if (perms.resolve) {
      const btn = h('button', { class: 'resolve', attrs: { type: 'button' } }, 'Resolve');
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
      const btn = h('button', { class: 'comment', attrs: { type: 'button' } }, 'Add comment');
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
        ? h('p', { class: 'acting-for' }, 'You act on behalf of ', h('strong', null, model.postName(perms.actingFor)), ` (${model.sideOfPost(perms.actingFor)?.name ?? ''})`)
        : null;
    const none = !perms.ack && !perms.cancel && !perms.resolve && !perms.comment ? h('p', { class: 'readonly-note' }, 'Nothing you may do on this alert now.') : null;
    fill(this.#actions, acting, queuedNote, buttons.childElementCount ? buttons : null, forms, none);
  }

  #timelineItem(e: Entry): HTMLElement {
    const { model } = this.#ctx;
    let what: string;
    let text: string | undefined;
    switch (e.type) {
      case 'alert.raised':
        what = 'Raised';
        text = e.payload.description;
        break;
      case 'alert.acknowledged':
        what = 'Acknowledged';
        text = e.payload.text;
        break;
      case 'alert.escalated':
        what = `Escalated: step ${e.payload.step}, level ${e.payload.level}${e.payload.repeat ? ' (repeat)' : ''}`;
        text = `Notified ${e.payload.targets.map((t) => model.userName(t)).join(', ') || 'nobody'}${e.payload.reason === 'counterpart-offline' ? '; counterpart was offline' : ''}`;
        break;
      case 'alert.commented':
        what = 'Comment';
        text = e.payload.text;
        break;
      case 'alert.resolved':
        what = 'Resolved';
        text = e.payload.text;
        break;
      case 'alert.cancelled':
        what = 'Cancelled (false alarm)';
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
      h('span', { class: 'tl-who' }, e.actor.role === 'system' ? 'System' : actorLabel(model, e.actor)),
      text ? h('span', { class: 'tl-text', attrs: { dir: 'auto' } }, text) : null,
    );
  }
}

function fact(label: string, value: string): HTMLElement[] {
  return [h('dt', null, label), h('dd', { attrs: { dir: 'auto' } }, value)];
}

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
    this.#list = h('ol', { class: 'inbox-list', attrs: { 'aria-label': 'Escalations' } });
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
      'Mark all read (stops the chime)',
    );
    this.el = h('section', { class: 'inbox-pane', attrs: { 'aria-label': 'Escalation inbox' } }, h('h2', { class: 'pane-title' }, 'Escalation inbox ', this.#head), this.#markRead, this.#list);
  }

  update(): void {
    const { model } = this.#ctx;
    const unread = model.unreadEscalations.length;
    setText(this.#head, unread ? `(${unread} new)` : '');
    this.#markRead.hidden = unread === 0;
    this.el.classList.toggle('has-unread', unread > 0);
    reconcile(
      this.#list,
      model.inbox,
      (e) => String(e.position),
      (e) =>
        h('li', {
          class: 'esc',
          attrs: { 'data-position': e.position, 'data-subject': e.subject, 'data-alert': e.alertId, 'data-deadline-id': e.subject === 'message' ? e.id : undefined },
        }),
      (el, e) => this.#item(el, e),
    );
    if (model.inbox.length === 0) this.#list.replaceChildren(h('p', { class: 'empty' }, 'No escalations have reached you.'));
  }

  #item(el: HTMLElement, e: Escalation): void {
    if (e.subject === 'message') {
      this.#messageItem(el, e);
      return;
    }
    const { model } = this.#ctx;
    const a = model.escalationAlert(e);
    if (!a) return;
    const unread = e.position > model.inboxReadUpto;
    const stamp = `${unread}:${a.state}:${a.step}`;
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
          unread ? h('span', { class: 'new-chip' }, 'NEW') : null,
          exerciseBadge(e.drill),
          severityChip(a.severity),
          h('span', { class: 'esc-step' }, `Escalation step ${e.step} · level ${e.level}`),
          h('time', { class: 'row-time' }, formatTime(e.at)),
        ),
        h('strong', { class: 'row-kind' }, `${KIND_LABEL[a.kind]} (${SEVERITY_LABEL[a.severity]})`),
        h(
          'span',
          { class: 'row-where' },
          `${model.link(e.linkId)?.name ?? e.linkId}: raised by ${a.raisedBy.role === 'system' ? raisedByText(model, a) : model.postName(a.raiserPostId)} at ${formatTime(a.raisedAt)}; not acknowledged by ${model.postName(a.counterpartPostId)} in time`,
        ),
        h('span', { class: `state-chip state-${a.state}` }, `Now: ${STATE_LABEL[a.state]}`),
      ),
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
        { class: 'esc-open', attrs: { type: 'button', title: 'Show the message in its thread' }, on: { click: () => ctx.openMessage(d.linkId, d.seq) } },
        h(
          'span',
          { class: 'row-top' },
          unread ? h('span', { class: 'new-chip' }, 'NEW') : null,
          exerciseBadge(e.drill),
          precedenceBadge(d.precedence),
          h('span', { class: 'esc-step' }, `Escalation step ${e.step} · level ${e.level}`),
          h('time', { class: 'row-time' }, formatTime(e.at)),
        ),
        h('strong', { class: 'row-kind' }, `${PRECEDENCE_LABEL[d.precedence]} message not acknowledged in time`),
        h('span', { class: 'esc-excerpt', attrs: { dir: 'auto' } }, d.excerpt),
        h(
          'span',
          { class: 'row-where' },
          `${model.link(d.linkId)?.name ?? d.linkId}: sent by ${model.postName(d.senderPostId)} at ${formatTime(d.sentAt)}; ${model.postName(d.counterpartPostId)} had until ${formatTime(d.deadlineAt)}`,
        ),
        h(
          'span',
          { class: `state-chip ${acked ? 'state-acknowledged' : 'state-open'}` },
          acked ? `Now: acknowledged by ${d.acknowledgedBy ? actorLabel(model, d.acknowledgedBy) : model.postName(d.counterpartPostId)} at ${formatTime(d.acknowledgedAt ?? 0)}` : 'Now: still awaiting acknowledgement',
        ),
      ),
      record ? messageAckButton(ctx, record) : null,
    );
  }
}
