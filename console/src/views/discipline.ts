import { fill, h, reconcile } from '../dom.js';
import { PRECEDENCE_LABEL, formatTime } from '../format.js';
import type { ConsoleModel, DeadlineRecord, LineCheckRecord, LineEventEntry } from '../model.js';
import { actorLabel, countdown, exerciseBadge, listOf, precedenceBadge, withCountdown, type Ctx } from './common.js';
import { COUNTDOWN_SLOT, t } from '../i18n/index.js';

/**
 * Hotline discipline in the console (docs/discipline.md): the acknowledgement deadline of flash and
 * immediate messages (status, countdown, ACKNOWLEDGE) and scheduled line checks (prompt, answers,
 * outcome). Shared by the thread, the side panel, the escalation inbox and the line-check bar.
 */

/** "Supervisor b1, Commander sb1", or "nobody". */
export function targetNames(model: ConsoleModel, targets: readonly string[]): string {
  return targets.length ? listOf(targets.map((x) => model.userName(x))) : t('common.nobody');
}

/** Whether an acknowledgement of this message is waiting in the outbox. */
export function ackPending(ctx: Ctx, d: { linkId: string; seq: number }): boolean {
  return ctx.outbox().some((i) => i.event === 'hotline:ack' && 'seq' in i.payload && i.payload.linkId === d.linkId && i.payload.seq === d.seq);
}

/** A stamp of everything a deadline's status shows, so views redraw it only when it changed. */
export function deadlineStamp(ctx: Ctx, d: DeadlineRecord, now: number): string {
  return [d.state, d.escalations.length, d.nextEscalationAt, d.deadlineAt, now >= d.deadlineAt, ackPending(ctx, d), ctx.client.status === 'connected'].join(':');
}

/**
 * What a message's deadline stands at: the countdown to the deadline; once it passed, that it escalated
 * (level, who was notified) and when the next level is due; or who acknowledged it, and when.
 */
export function deadlineStatus(ctx: Ctx, d: DeadlineRecord, now: number): HTMLElement {
  const { model } = ctx;
  const counterpart = model.postName(d.counterpartPostId);
  const lines: HTMLElement[] = [];
  if (d.state === 'acknowledged') {
    lines.push(
      h(
        'span',
        { class: 'deadline-line acked' },
        `✓ ${t('dl.ackedBy', { who: d.acknowledgedBy ? actorLabel(model, d.acknowledgedBy) : counterpart, time: formatTime(d.acknowledgedAt ?? 0) })}`,
        d.acknowledgedAt !== undefined ? ` (after ${Math.max(0, Math.round((d.acknowledgedAt - d.sentAt) / 1000))} s)` : '',
      ),
    );
  } else if (now < d.deadlineAt) {
    lines.push(h('span', { class: 'deadline-line awaiting', attrs: { 'data-deadline-countdown': d.id } }, ...withCountdown(t('dl.awaiting', { post: counterpart, countdown: COUNTDOWN_SLOT }), countdown(d.deadlineAt, now))));
  } else {
    lines.push(h('span', { class: 'deadline-line overdue' }, t('dl.overdue', { post: counterpart, time: formatTime(d.deadlineAt) })));
    if (d.escalations.length === 0) {
      lines.push(
        h(
          'span',
          { class: 'deadline-line escalating' },
          d.nextEscalationAt !== null && d.nextEscalationAt > now ? withCountdown(t('dl.escalatesIn', { countdown: COUNTDOWN_SLOT }), countdown(d.nextEscalationAt, now)) : t('dl.escalating'),
        ),
      );
    }
  }
  for (const e of d.escalations) {
    lines.push(
      h(
        'span',
        { class: 'deadline-line escalated', attrs: { 'data-level': e.level } },
        `⬆ ${t(e.repeat ? 'dl.escalatedAgain' : 'dl.escalated', { time: formatTime(e.at), level: e.level, who: targetNames(model, e.targets) })}`,
      ),
    );
  }
  if (d.state === 'awaiting' && d.escalations.length > 0 && d.nextEscalationAt !== null && d.nextEscalationAt > now) {
    lines.push(h('span', { class: 'deadline-line escalating' }, ...withCountdown(t('dl.nextLevel', { countdown: COUNTDOWN_SLOT }), countdown(d.nextEscalationAt, now))));
  }
  return h('div', { class: `deadline-status state-${d.state}${d.escalations.length ? ' escalated' : ''}` }, lines);
}

/** ACKNOWLEDGE for whoever may acknowledge the message (the counterpart post, a commander covering it). */
export function messageAckButton(ctx: Ctx, d: DeadlineRecord): HTMLElement | null {
  const { model, client } = ctx;
  const post = model.messageAckPost(d);
  if (!post) return null;
  if (ackPending(ctx, d)) {
    return h(
      'span',
      { class: 'ack-pending' },
      client.status === 'connected' ? t('takeover.acking') : t('dl.ackQueued'),
    );
  }
  const forPost = model.user.role === 'commander' ? ` ${t('dl.forPost', { post: model.postName(post) })}` : '';
  return h(
    'button',
    {
      class: 'msg-ack primary',
      attrs: { type: 'button', 'data-ack': d.id, title: t('dl.ackTitle', { post: model.postName(d.senderPostId), precedence: PRECEDENCE_LABEL[d.precedence] }) },
      on: {
        click: (ev) => {
          ev.stopPropagation();
          client.ackMessage(d.linkId, d.seq).catch(() => undefined); // a refusal arrives as a 'failed' notice
          ctx.requestRender();
        },
      },
    },
    `${t('dl.ackMessage')}${forPost}`,
  );
}

/** A card of the "awaiting acknowledgement" list: the message, its deadline, and ACKNOWLEDGE. */
export function deadlineCard(ctx: Ctx, d: DeadlineRecord, now: number, options: { open?: () => void } = {}): HTMLElement {
  const { model } = ctx;
  const mine = model.user.post === d.senderPostId ? 'sent by us' : model.user.post === d.counterpartPostId ? 'for us to acknowledge' : null;
  return h(
    'div',
    {
      class: `deadline-card prec-${d.precedence} state-${d.state}${d.drill ? ' drill' : ''}`,
      attrs: { 'data-deadline-id': d.id, 'data-link': d.linkId, 'data-seq': d.seq },
    },
    h(
      'span',
      { class: 'deadline-card-top' },
      precedenceBadge(d.precedence),
      exerciseBadge(d.drill),
      h('span', { class: 'deadline-card-where' }, `${model.link(d.linkId)?.name ?? d.linkId}: ${model.postName(d.senderPostId)} → ${model.postName(d.counterpartPostId)}`),
      h('time', { class: 'row-time' }, formatTime(d.sentAt)),
    ),
    h('span', { class: 'deadline-card-text', attrs: { dir: 'auto' } }, d.excerpt),
    mine ? h('span', { class: 'deadline-card-mine' }, mine) : null,
    deadlineStatus(ctx, d, now),
    h(
      'span',
      { class: 'deadline-card-actions' },
      messageAckButton(ctx, d),
      options.open ? h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: options.open } }, t('dl.showInThread')) : null,
    ),
  );
}

// --- line checks --------------------------------------------------------------------------------

/** "This late check stands for the 3 scheduled checks missed while the service was down." */
export function lateNote(c: { late: boolean; missedSlots: number; slotAt: number }): string {
  if (!c.late) return '';
  if (c.missedSlots > 0) {
    return t('lc.lateMissed', { count: c.missedSlots + 1, time: formatTime(c.slotAt) });
  }
  return t('lc.late', { time: formatTime(c.slotAt) });
}

/** Who answered a check, who did not (yet), and the outcome once it closed. */
export function lineCheckPosts(model: ConsoleModel, c: LineCheckRecord): HTMLElement {
  return h(
    'span',
    { class: 'lc-posts' },
    c.posts.map((p) => {
      const a = c.answers.get(p);
      const missed = c.closed?.missed.includes(p) ?? false;
      const state = a ? 'answered' : missed ? 'missed' : 'waiting';
      return h(
        'span',
        { class: `lc-post lc-${state}`, attrs: { 'data-post': p } },
        state === 'answered' ? `✓ ${t('lc.postAnswered', { post: model.postName(p), time: formatTime(a!.at) })}` : state === 'missed' ? `✗ ${t('lc.postMissed', { post: model.postName(p) })}` : `… ${t('lc.postNotYet', { post: model.postName(p) })}`,
      );
    }),
  );
}

/** The thread's line for a line event: message escalations and line checks. */
export function lineEventText(model: ConsoleModel, entry: LineEventEntry): { icon: string; text: string; cls: string } {
  switch (entry.type) {
    case 'message.escalated': {
      const p = entry.payload;
      const d = model.deadlines.get(p.deadlineId);
      const what = d ? t('lc.msgOf', { precedence: PRECEDENCE_LABEL[d.precedence], time: formatTime(d.sentAt) }) : t('outbox.messageSeq', { seq: p.messageSeq });
      const who = d ? model.postName(d.counterpartPostId) : t('alerts.counterpart');
      return {
        icon: '⬆',
        cls: 'msg-escalated',
        text: t(p.repeat ? 'lc.msgEscAgain' : 'lc.msgEsc', { what, who, level: p.level, targets: targetNames(model, p.targets) }),
      };
    }
    case 'linecheck.started': {
      const p = entry.payload;
      const late = lateNote(p);
      return {
        icon: '☎',
        cls: `linecheck-started${p.late ? ' late' : ''}`,
        text: `${t('lc.started', { time: formatTime(p.slotAt), posts: listOf(p.posts.map((x) => model.postName(x))), until: formatTime(p.windowEndsAt) })}${late ? ` ${late}` : ''}`,
      };
    }
    case 'linecheck.answered':
      return { icon: '✓', cls: 'linecheck-answered', text: t('lc.evAnswered', { post: model.postName(entry.payload.postId), who: model.userName(entry.actor.userId) }) };
    case 'linecheck.closed': {
      const p = entry.payload;
      const answered = listOf(p.answered.map((x) => model.postName(x)));
      const missed = listOf(p.missed.map((x) => model.postName(x)));
      return {
        icon: p.missed.length ? '✗' : '✓',
        cls: `linecheck-closed ${p.missed.length ? 'missed' : 'answered'}`,
        text: p.missed.length
          ? `${p.answered.length ? t('lc.closedBoth', { answered, missed }) : t('lc.closedMissed', { missed })}${p.alertId ? `: ${t('lc.faultRaised')}` : ''}`
          : t('lc.closedAnswered', { answered }),
      };
    }
  }
}

/** Whether this post's answer to a check is waiting in the outbox. */
export function answerPending(ctx: Ctx, c: LineCheckRecord): boolean {
  return ctx.outbox().some((i) => i.event === 'linecheck:answer' && 'checkId' in i.payload && i.payload.checkId === c.checkId);
}

export function lineCheckStamp(ctx: Ctx, c: LineCheckRecord, now: number): string {
  return [c.answers.size, c.closed !== null, now >= c.windowEndsAt, answerPending(ctx, c), ctx.client.status === 'connected'].join(':');
}

/**
 * The prompt of an open line check at one of the operator's posts: "Line check: answer within 0:42" and
 * ANSWER; once answered, who answered and whom the check still waits for.
 */
export function lineCheckPrompt(ctx: Ctx, c: LineCheckRecord, now: number): HTMLElement {
  const { model, client } = ctx;
  const post = model.user.post ?? '';
  const link = model.link(c.linkId);
  const other = c.posts.filter((p) => p !== post);
  const mine = c.answers.get(post);
  const pending = answerPending(ctx, c);
  const open = now < c.windowEndsAt;
  const state = mine ? 'answered' : pending ? 'pending' : open ? 'unanswered' : 'expired';
  const where = h('span', { class: 'lc-where' }, `${link?.name ?? c.linkId} · ${t('hotline.with', { post: listOf(other.map((p) => model.postName(p))) })} · ${t('lc.scheduled', { time: formatTime(c.slotAt) })}`);
  let title: HTMLElement;
  let action: HTMLElement | null = null;
  if (state === 'unanswered') {
    title = h('strong', { class: 'lc-title' }, ...withCountdown(t('lc.answerWithin', { countdown: COUNTDOWN_SLOT }), countdown(c.windowEndsAt, now)));
    action = h(
      'button',
      {
        class: 'linecheck-answer',
        attrs: { type: 'button', 'aria-keyshortcuts': 'Alt+L', 'data-check': c.checkId, title: t('lc.answerTitle') },
        on: {
          click: () => {
            client.answerLineCheck(c.linkId, c.checkId).catch(() => undefined); // a refusal arrives as a 'failed' notice
            ctx.requestRender();
          },
        },
      },
      t('lc.answer'),
    );
  } else if (state === 'pending') {
    title = h('strong', { class: 'lc-title' }, client.status === 'connected' ? t('lc.answering') : t('lc.answerQueued'));
  } else if (state === 'answered') {
    const waiting = other.filter((p) => !c.answers.has(p)).map((p) => model.postName(p));
    title = h(
      'strong',
      { class: 'lc-title' },
      `✓ ${t('lc.answeredBy', { time: formatTime(mine!.at), who: model.userName(mine!.actor.userId) })}`,
      waiting.length ? h('span', { class: 'lc-wait' }, ` · ${t('lc.waitingFor', { posts: listOf(waiting) })} `, open ? ['(', countdown(c.windowEndsAt, now), ')'] : '') : null,
    );
  } else {
    title = h('strong', { class: 'lc-title' }, t('lc.windowClosed', { time: formatTime(c.windowEndsAt) }));
  }
  return h(
    'div',
    { class: `linecheck-prompt state-${state}${c.late ? ' late' : ''}`, attrs: { 'data-check': c.checkId, 'data-link': c.linkId, role: 'group', 'aria-label': t('lc.label') } },
    h('span', { class: 'lc-icon', attrs: { 'aria-hidden': 'true' } }, '☎'),
    h('span', { class: 'lc-body' }, title, where, c.late ? h('span', { class: 'lc-late' }, lateNote(c)) : null),
    action,
  );
}

/** Open line checks at the operator's post: the prompt of each, at the top of every view. */
export class LineCheckBar {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.el = h('section', { class: 'linecheck-bar', attrs: { 'aria-label': t('lc.labelPlural'), 'aria-live': 'assertive', hidden: true } });
  }

  /** The open checks shown: this post's, not yet closed. */
  get checks(): LineCheckRecord[] {
    const post = this.#ctx.model.user.role === 'operator' ? this.#ctx.model.user.post : null;
    if (!post) return [];
    return [...this.#ctx.model.lineChecks.values()].filter((c) => c.closed === null && c.posts.includes(post)).sort((a, b) => a.windowEndsAt - b.windowEndsAt);
  }

  update(): void {
    const now = this.#ctx.serverNow();
    const checks = this.checks;
    this.el.hidden = checks.length === 0;
    reconcile(
      this.el,
      checks,
      (c) => c.checkId,
      () => h('div', { class: 'linecheck-slot' }),
      (el, c) => {
        const stamp = lineCheckStamp(this.#ctx, c, now);
        if (el.dataset.stamp === stamp) return;
        const focused = el.contains(document.activeElement);
        el.dataset.stamp = stamp;
        fill(el, lineCheckPrompt(this.#ctx, c, now));
        if (focused) (el.querySelector<HTMLElement>('.linecheck-answer') ?? this.el.querySelector<HTMLElement>('.linecheck-answer'))?.focus();
      },
    );
  }

  /** Alt+L: puts the keyboard on the first ANSWER button. */
  focusAnswer(): boolean {
    const btn = this.el.querySelector<HTMLElement>('.linecheck-answer');
    btn?.focus();
    return btn !== null;
  }
}
