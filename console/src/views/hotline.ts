import type { Entry, Link, Precedence } from '@hotline/shared';
import { codePoints, LIMITS } from '@hotline/shared/core';
import type { OutboxItem } from '@hotline/client-sdk';
import { fill, h, reconcile, setText } from '../dom.js';
import { KIND_LABEL, PRECEDENCES, PRECEDENCE_LABEL, SEVERITY_LABEL, formatTime } from '../format.js';
import type { DeadlineRecord, LineEventEntry, MessageItem, Thread, ThreadItem } from '../model.js';
import { drafts } from '../session.js';
import { throughText } from './attempts.js';
import { actorLabel, alertBetween, alertDescription, escalationLine, exerciseBadge, listOf, precedenceBadge, raisedByText, severityChip, type Ctx } from './common.js';
import { DutyPanel, dutyItem } from './duty.js';
import { deadlineCard, deadlineStamp, deadlineStatus, lateNote, lineCheckPosts, lineEventText, messageAckButton } from './discipline.js';
import { MapView } from './map.js';
import { formatNumber, t } from '../i18n/index.js';

interface RenderedThread {
  list: HTMLOListElement;
  rendered: number;
  /** Outgoing messages whose mark can still change (not yet read). */
  unsettled: { el: HTMLElement; message: MessageItem }[];
  /** Messages with a deadline whose status can still change (not yet acknowledged). */
  deadlines: { el: HTMLElement; deadline: DeadlineRecord }[];
}

/**
 * The hotline: the user's links with unread counts and presence, the selected link's thread (messages
 * and alert events in seq order, with delivered and read marks), the composer with precedence and
 * pre-agreed phrases, and a side panel of open alerts with countdowns and a small map.
 */
export class HotlineView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #linkList: HTMLElement;
  readonly #threadHead: HTMLElement;
  readonly #scroller: HTMLElement;
  readonly #pending: HTMLOListElement;
  readonly #jump: HTMLButtonElement;
  readonly #ackedAlerts: HTMLElement;
  readonly #sideToggle: HTMLButtonElement;
  #lastScrollTop = 0;
  readonly #composerSlot: HTMLElement;
  readonly #sideAlerts: HTMLElement;
  readonly #sideDeadlines: HTMLElement;
  readonly #deadlineCount: HTMLElement;
  readonly #map: MapView;
  readonly #duty: DutyPanel;
  readonly #rendered = new Map<string, RenderedThread>();
  #selected: string | null = null;
  /** Follow new messages: true while the reader is at the end of the thread. */
  #stick = true;
  readonly #resize: ResizeObserver;
  // Composer
  readonly #form: HTMLFormElement;
  readonly #text: HTMLTextAreaElement;
  readonly #counter: HTMLElement;
  readonly #drill: HTMLInputElement;
  readonly #phrasesBtn: HTMLButtonElement;
  readonly #phrasesPanel: HTMLElement;
  readonly #sendBtn: HTMLButtonElement;
  #precedence: Precedence = 'routine';
  readonly #precedenceInputs = new Map<Precedence, HTMLInputElement>();

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    const { model } = ctx;
    this.#linkList = h('div', { class: 'link-list', attrs: { role: 'list' } });
    this.#threadHead = h('header', { class: 'thread-head' });
    this.#pending = h('ol', { class: 'messages pending', attrs: { 'aria-label': t('hotline.pendingLabel') } });
    this.#scroller = h('div', { class: 'thread-scroll', attrs: { tabindex: 0, 'aria-label': t('hotline.conversation') } }, this.#pending);
    // Following stops only when the reader scrolls up, never because content grew or the pane shrank.
    this.#scroller.addEventListener('scroll', () => {
      const top = this.#scroller.scrollTop;
      if (this.#atBottom()) this.#stick = true;
      else if (top < this.#lastScrollTop - 2) this.#stick = false;
      this.#lastScrollTop = top;
      if (this.#stick) this.#jump.hidden = true;
    });
    // Content that grows after it is drawn (a font arriving, a mark wrapping) keeps a follower at the end.
    this.#resize = new ResizeObserver(() => {
      if (this.#stick) this.#scrollToEnd();
    });
    this.#resize.observe(this.#pending);
    this.#resize.observe(this.#scroller);
    this.#jump = h('button', { class: 'jump', attrs: { type: 'button', hidden: true }, on: { click: () => this.#scrollToEnd() } }, t('hotline.newBelow'));

    // --- composer --------------------------------------------------------------------------------
    this.#text = h('textarea', {
      class: 'composer-text',
      attrs: { dir: 'auto', rows: 2, 'aria-label': t('hotline.message'), placeholder: t('hotline.placeholder') },
    });
    this.#counter = h('span', { class: 'composer-counter', attrs: { 'aria-live': 'polite' } });
    this.#drill = h('input', { attrs: { type: 'checkbox', name: 'drill' } });
    this.#sendBtn = h('button', { class: 'send primary', attrs: { type: 'submit' } }, t('hotline.send'));
    this.#phrasesPanel = h('div', { class: 'phrases', attrs: { hidden: true, id: 'phrases-panel', role: 'group', 'aria-label': t('hotline.phrasesLabel') } });
    this.#phrasesBtn = h(
      'button',
      { class: 'phrases-toggle', attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'phrases-panel' }, on: { click: () => this.#togglePhrases() } },
      t('hotline.phrases'),
    );
    const precedence = h('fieldset', { class: 'precedence' }, h('legend', { class: 'sr-only' }, t('hotline.precedence')));
    for (const p of PRECEDENCES) {
      const input = h('input', { attrs: { type: 'radio', name: 'precedence', value: p, checked: p === 'routine' } });
      input.addEventListener('change', () => {
        if (input.checked) this.#setPrecedence(p);
      });
      this.#precedenceInputs.set(p, input);
      precedence.append(h('label', { class: `prec-option prec-${p}` }, input, h('span', null, PRECEDENCE_LABEL[p])));
    }
    this.#drill.addEventListener('change', () => this.#syncComposerLook());
    this.#text.addEventListener('input', () => {
      this.#autosize();
      if (this.#selected) drafts.set(model.user.id, this.#selected, this.#text.value);
      this.#updateCounter();
    });
    this.#text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.#send();
      } else if (ev.key === 'Escape' && !this.#phrasesPanel.hidden) {
        this.#togglePhrases(false);
      }
    });
    this.#form = h(
      'form',
      {
        class: 'composer',
        attrs: { 'aria-label': t('hotline.compose') },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            this.#send();
          },
        },
      },
      h(
        'div',
        { class: 'composer-tools' },
        precedence,
        h('label', { class: 'exercise-toggle', attrs: { title: t('hotline.exerciseTitle') } }, this.#drill, h('span', null, t('hotline.exercise'))),
        this.#phrasesBtn,
      ),
      this.#phrasesPanel,
      h('div', { class: 'composer-main' }, this.#text, this.#sendBtn),
      this.#counter,
    );
    this.#composerSlot = h('div', { class: 'composer-slot' });

    this.#sideAlerts = h('div', { class: 'side-alerts', attrs: { 'aria-live': 'polite' } });
    this.#sideDeadlines = h('div', { class: 'side-deadlines' });
    this.#ackedAlerts = h('div', { class: 'side-alerts acked-alerts' });
    this.#deadlineCount = h('span', { class: 'count' });
    this.#map = new MapView(ctx, { compact: true });
    this.#duty = new DutyPanel(ctx);

    this.el = h(
      'section',
      { class: 'hotline-view', attrs: { 'aria-label': t('tab.hotline') } },
      h('nav', { class: 'links-pane', attrs: { 'aria-label': t('hotline.links') } }, h('h2', { class: 'pane-title' }, t('hotline.links')), this.#linkList),
      h('section', { class: 'thread-pane' }, this.#threadHead, h('div', { class: 'thread-body' }, this.#scroller, this.#jump), this.#composerSlot),
      h(
        'aside',
        { class: 'side-pane', attrs: { 'aria-label': t('hotline.sideLabel') } },
        h(
          'section',
          { class: 'side-section deadlines-section', attrs: { 'aria-label': t('hotline.awaiting') } },
          h('h2', { class: 'pane-title' }, t('hotline.awaiting'), ' ', this.#deadlineCount),
          this.#sideDeadlines,
        ),
        h('h2', { class: 'pane-title' }, t('hotline.openAlerts')),
        this.#sideAlerts,
        h('h2', { class: 'pane-title acked-title', attrs: { hidden: true } }, t('hotline.ackedAlerts')),
        this.#ackedAlerts,
        h('div', { class: 'side-map' }, this.#map.el),
      ),
    );
    // Narrow screens: the side panel opens over the thread from a button in its head (one tap).
    this.#sideToggle = h('button', { class: 'side-toggle', attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'hotline-side' }, on: { click: () => this.#showSide(true) } });
    const side = this.el.querySelector('.side-pane') as HTMLElement;
    side.id = 'hotline-side';
    this.el.append(this.#duty.dialog.el);
    side.prepend(h('button', { class: 'side-close', attrs: { type: 'button' }, on: { click: () => this.#showSide(false) } }, `✕ ${t('hotline.conversation')}`));
    const first = model.writableLinks[0] ?? model.links[0];
    if (first) this.select(first.id);
  }

  get selected(): string | null {
    return this.#selected;
  }

  /** Shows a link's thread. */
  select(linkId: string): void {
    if (!this.#ctx.model.link(linkId)) return;
    const changed = linkId !== this.#selected;
    this.#selected = linkId;
    if (changed) {
      this.#text.value = drafts.get(this.#ctx.model.user.id, linkId);
      this.#updateCounter();
      this.#togglePhrases(false);
      const r = this.#threadFor(linkId);
      this.#scroller.replaceChildren(r.list, this.#pending);
      this.update();
      this.#scrollToEnd();
    }
  }

  /** Scrolls a link's entry into view and marks it for a moment (from the side panel or the inbox). */
  reveal(linkId: string, seq: number): void {
    this.select(linkId);
    this.update();
    const el = this.#threadFor(linkId).list.querySelector<HTMLElement>(`:scope > [data-seq="${seq}"]`);
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    this.#stick = this.#atBottom();
    el.classList.remove('revealed');
    void el.offsetWidth; // restart the highlight
    el.classList.add('revealed');
    el.querySelector<HTMLElement>('.msg-ack')?.focus({ preventScroll: true });
  }

  focusComposer(): void {
    if (this.#form.isConnected) this.#text.focus();
  }

  /** Puts text back in the composer (a message the server refused), keeping what is there. */
  restoreText(linkId: string, text: string): void {
    this.select(linkId);
    this.#text.value = this.#text.value ? `${this.#text.value}\n${text}` : text;
    drafts.set(this.#ctx.model.user.id, linkId, this.#text.value);
    this.#updateCounter();
    this.#text.focus();
  }

  /** The link whose newest counterpart messages are on screen now (for read receipts). */
  get visibleLink(): string | null {
    return this.el.isConnected && !this.el.closest('[hidden]') && (this.#stick || this.#atBottom()) ? this.#selected : null;
  }

  update(): void {
    this.#updateLinks();
    this.#updateThread();
    this.#updateSide();
    this.#map.update();
  }

  // --- links ------------------------------------------------------------------------------------

  #updateLinks(): void {
    const { model } = this.#ctx;
    // Per link, the most severe open alert; real ones before exercises.
    const open = new Map<string, { severity: number; drill: boolean }>();
    for (const { alert: a } of model.activeAlerts) {
      if (a.state !== 'open') continue;
      const seen = open.get(a.linkId);
      if (!seen || (seen.drill && !a.drill) || (seen.drill === a.drill && a.severity > seen.severity)) open.set(a.linkId, { severity: a.severity, drill: a.drill });
    }
    reconcile(
      this.#linkList,
      model.links,
      (l) => l.id,
      (l) =>
        h('button', {
          class: 'link-item',
          attrs: { type: 'button', role: 'listitem', 'data-link': l.id },
          on: { click: () => this.#ctx.openLink(l.id) },
        }),
      (el, l) => {
        const mine = model.myPostOn(l);
        const unread = mine ? model.unread(l.id, mine) : 0;
        const peers = mine ? [model.otherPost(l, mine)] : [...l.posts];
        el.setAttribute('aria-current', String(l.id === this.#selected));
        el.classList.toggle('selected', l.id === this.#selected);
        el.classList.toggle('has-unread', unread > 0);
        const sev = open.get(l.id);
        fill(
          el,
          h('span', { class: 'link-name' }, l.name),
          h(
            'span',
            { class: 'link-peers' },
            peers.map((p) => {
              const presence = model.presence.get(p);
              const state = presence === undefined ? 'unknown' : presence.online ? 'online' : 'offline';
              return h('span', { class: `peer presence-${state}` }, h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), state === 'offline' ? t('hotline.postOffline', { post: model.postName(p) }) : model.postName(p));
            }),
          ),
          h(
            'span',
            { class: 'link-badges' },
            sev ? h('span', { class: `badge alert-badge sev-${sev.severity}${sev.drill ? ' drill' : ''}` }, sev.drill ? t('common.exercise') : t('hotline.alertBadge')) : null,
            unread > 0 ? h('span', { class: 'badge unread-badge', attrs: { 'aria-label': `${unread} unread` } }, String(unread)) : null,
          ),
        );
      },
    );
  }

  // --- thread -----------------------------------------------------------------------------------

  #threadFor(linkId: string): RenderedThread {
    let r = this.#rendered.get(linkId);
    if (!r) {
      r = { list: h('ol', { class: 'messages', attrs: { 'data-link': linkId } }), rendered: 0, unsettled: [], deadlines: [] };
      this.#rendered.set(linkId, r);
      this.#resize.observe(r.list);
    }
    return r;
  }

  #updateThread(): void {
    const { model } = this.#ctx;
    const linkId = this.#selected;
    const thread = linkId ? model.threads.get(linkId) : undefined;
    if (!linkId || !thread) {
      fill(this.#threadHead, h('h2', null, t('hotline.none')));
      return;
    }
    this.#updateHead(thread.link);
    const r = this.#threadFor(linkId);
    let added = 0;
    for (const item of thread.items.slice(r.rendered)) {
      r.list.append(this.#item(thread, item, r));
      added++;
    }
    r.rendered = thread.items.length;
    r.unsettled = r.unsettled.filter(({ el, message }) => this.#updateMark(el, message) !== 'read');
    const now = this.#ctx.serverNow();
    r.deadlines = r.deadlines.filter(({ el, deadline }) => this.#updateDeadline(el, deadline, now) === 'awaiting');
    this.#updatePending(thread);
    const mine = model.myPostOn(thread.link);
    if (mine && !this.#form.isConnected) this.#composerSlot.replaceChildren(this.#form);
    if (!mine && !this.#composerSlot.querySelector('.readonly-note')) {
      this.#composerSlot.replaceChildren(
        h('p', { class: 'readonly-note' }, t('hotline.readonly')),
      );
    }
    this.#syncComposerLook();
    if (added > 0 || this.#pending.childElementCount > 0) {
      if (this.#stick) this.#scrollToEnd();
      else if (added > 0) this.#jump.hidden = false;
    }
  }

  #updateHead(link: Link): void {
    const { model } = this.#ctx;
    const mine = model.myPostOn(link);
    const posts = mine ? [model.otherPost(link, mine)] : [...link.posts];
    fill(
      this.#threadHead,
      h('h2', null, link.name),
      h(
        'p',
        { class: 'thread-peers' },
        posts.map((p) => {
          const side = model.sideOfPost(p);
          const presence = model.presence.get(p);
          const state = presence === undefined ? 'unknown' : presence.online ? 'online' : 'offline';
          return h(
            'span',
            { class: `peer presence-${state}` },
            h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }),
            mine ? t('hotline.with', { post: model.postName(p) }) : model.postName(p),
            side ? h('span', { class: 'side-tag', attrs: { style: `--side:${side.color ?? '#888'}` } }, side.name) : null,
            h('span', { class: 'presence-text' }, state === 'unknown' ? '' : state === 'online' ? t('hotline.online') : t('hotline.offline')),
          );
        }),
      ),
      this.#lineCheckLine(link),
      this.#duty.update(link),
      this.#sideToggle,
    );
  }

  /** The link's latest line check: each post's answer, then the outcome. */
  #lineCheckLine(link: Link): HTMLElement | null {
    const { model } = this.#ctx;
    const last = model.lineChecksOf(link.id)[0];
    if (!last) return link.lineCheck ? h('p', { class: 'thread-linecheck' }, t('hotline.lcNone')) : null;
    const outcome = last.closed ? (last.closed.missed.length ? 'MISSED' : 'answered') : 'open';
    return h(
      'p',
      { class: `thread-linecheck lc-${outcome}`, attrs: { 'data-check': last.checkId } },
      h('strong', null, t('hotline.lcLast', { time: formatTime(last.slotAt) }), ' '),
      lineCheckPosts(model, last),
      last.late ? h('span', { class: 'lc-late' }, lateNote(last)) : null,
    );
  }

  #item(thread: Thread, item: ThreadItem, r: RenderedThread): HTMLElement {
    if (item.kind === 'alert') return this.#alertItem(item.entry);
    if (item.kind === 'event') return this.#eventItem(item.entry);
    if (item.kind === 'duty') return dutyItem(this.#ctx, item.entry);
    const { model } = this.#ctx;
    const m = item.message;
    const mine = model.myPostOn(thread.link);
    const outgoing = mine ? m.actor.postId === mine : m.actor.postId === thread.link.posts[0];
    const li = h('li', {
      class: `msg ${outgoing ? 'out' : 'in'} prec-${m.precedence}${m.drill ? ' drill' : ''}${mine && m.actor.postId === mine ? ' mine' : ''}`,
      attrs: { 'data-seq': m.seq, 'data-client-id': m.clientMsgId },
    });
    const side = model.sideOfPost(m.actor.postId ?? '');
    li.append(
      h(
        'div',
        { class: 'msg-meta' },
        exerciseBadge(m.drill),
        precedenceBadge(m.precedence),
        h('span', { class: 'msg-sender', attrs: { style: `--side:${side?.color ?? '#888'}` } }, model.postName(m.actor.postId)),
        h('span', { class: 'msg-user' }, model.userName(m.actor.userId)),
        h('time', { class: 'msg-time', attrs: { datetime: new Date(m.ts).toISOString(), title: `${new Date(m.ts).toString()} · entry ${m.seq}` } }, formatTime(m.ts)),
      ),
      this.#body(m.text),
    );
    // Marks on what the console's side sent (for commanders and monitors: on every message).
    if (!mine || m.actor.postId === mine) {
      const mark = h('div', { class: 'msg-mark' });
      li.append(mark);
      if (this.#updateMark(li, m) !== 'read') r.unsettled.push({ el: li, message: m });
    }
    // Flash and immediate: the acknowledgement deadline, at both ends.
    const deadline = model.deadline(m.linkId, m.seq);
    if (deadline) {
      li.classList.add('has-deadline');
      li.append(h('div', { class: 'msg-deadline' }));
      if (this.#updateDeadline(li, deadline, this.#ctx.serverNow()) === 'awaiting') r.deadlines.push({ el: li, deadline });
    }
    return li;
  }

  /** Redraws a message's deadline status when it changed; returns its state. */
  #updateDeadline(li: HTMLElement, d: DeadlineRecord, now: number): DeadlineRecord['state'] {
    const box = li.querySelector<HTMLElement>('.msg-deadline');
    if (!box) return 'acknowledged';
    const stamp = deadlineStamp(this.#ctx, d, now);
    if (box.dataset.stamp === stamp) return d.state;
    box.dataset.stamp = stamp;
    li.dataset.ack = d.state === 'acknowledged' ? 'acknowledged' : now >= d.deadlineAt ? 'overdue' : 'awaiting';
    fill(box, deadlineStatus(this.#ctx, d, now), messageAckButton(this.#ctx, d));
    return d.state;
  }

  /** A message escalation or a line check, as a line of the thread. */
  #eventItem(entry: LineEventEntry): HTMLElement {
    const { icon, text, cls } = lineEventText(this.#ctx.model, entry);
    const target = entry.type === 'message.escalated' ? entry.payload.messageSeq : null;
    return h(
      'li',
      {
        class: `thread-event ${cls}${entry.drill ? ' drill' : ''}`,
        attrs: { 'data-seq': entry.seq, 'data-type': entry.type, 'data-check': 'checkId' in entry.payload ? entry.payload.checkId : undefined },
      },
      h('span', { class: 'thread-alert-icon', attrs: { 'aria-hidden': 'true' } }, icon),
      exerciseBadge(entry.drill),
      h('span', { class: 'thread-alert-text', attrs: { dir: 'auto' } }, text),
      h('time', { class: 'msg-time' }, formatTime(entry.ts)),
      target !== null
        ? h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: () => this.reveal(entry.linkId, target) } }, t('hotline.showMessage'))
        : null,
    );
  }

  /** Free text with dir="auto" (each line finds its own direction), or a pre-agreed phrase in every language. */
  #body(text: string): HTMLElement {
    const phrase = this.#ctx.model.matchPhrase(text);
    if (!phrase) return h('div', { class: 'msg-text', attrs: { dir: 'auto' } }, text);
    return h(
      'div',
      { class: 'msg-text phrase', attrs: { 'data-phrase': phrase.phrase.id } },
      h('span', { class: 'phrase-tag' }, t('hotline.phraseTag')),
      phrase.lines.map((l) => h('p', { class: 'phrase-line', attrs: { lang: l.lang, dir: 'auto' } }, h('span', { class: 'lang-tag', attrs: { dir: 'ltr' } }, l.lang.toUpperCase()), l.text)),
    );
  }

  #updateMark(li: HTMLElement, m: MessageItem): string {
    const el = li.querySelector('.msg-mark');
    if (!el) return 'read';
    const { mark, at } = this.#ctx.model.mark(m);
    const label = mark === 'read' ? `✓✓ Read ${at ? formatTime(at) : ''}` : mark === 'delivered' ? `✓✓ Delivered ${at ? formatTime(at) : ''}` : '✓ Sent';
    setText(el, label.trim());
    el.className = `msg-mark mark-${mark}`;
    li.dataset.mark = mark;
    return mark;
  }

  #alertItem(entry: Entry): HTMLElement {
    const { model } = this.#ctx;
    const alertId = ('alertId' in entry.payload && entry.payload.alertId) || '';
    const record = model.alert(alertId);
    const a = record?.alert;
    const kind = a ? KIND_LABEL[a.kind] : t('hotline.alertWord');
    let text: string;
    switch (entry.type) {
      case 'alert.raised':
        text = `${t('hotline.evRaised', { who: a ? raisedByText(model, a) : actorLabel(model, entry.actor), kind, severity: `${formatNumber(entry.payload.severity)} ${SEVERITY_LABEL[entry.payload.severity]}` })} ${a ? alertDescription(model, a) : entry.payload.description}`;
        break;
      case 'alert.acknowledged':
        text =
          t('hotline.evAck', { kind, who: actorLabel(model, entry.actor) }) +
          (entry.payload.via ? ` (${throughText(this.#ctx.attempts, entry.payload.via)})` : '') +
          (entry.payload.text ? `: ${entry.payload.text}` : '');
        break;
      case 'alert.escalated':
        text = t(entry.payload.reason === 'counterpart-offline' ? 'hotline.evEscOffline' : 'hotline.evEsc', { kind, step: entry.payload.step, level: entry.payload.level, targets: entry.payload.targets.length ? listOf(entry.payload.targets.map((x) => model.userName(x))) : t('common.nobody') });
        break;
      case 'alert.commented':
        text = `${t('hotline.evComment', { kind, who: actorLabel(model, entry.actor) })}: ${entry.payload.text ?? ''}`;
        break;
      case 'alert.resolved':
        text = t('hotline.evResolved', { kind, who: actorLabel(model, entry.actor) }) + (entry.payload.text ? `: ${entry.payload.text}` : '');
        break;
      case 'alert.cancelled':
        text = t('hotline.evCancelled', { kind, who: actorLabel(model, entry.actor) }) + (entry.payload.text ? `: ${entry.payload.text}` : '');
        break;
      default:
        text = entry.type;
    }
    const sev = a?.severity ?? 2;
    return h(
      'li',
      { class: `thread-alert ${entry.type.replace('.', '-')} sev-${sev}${entry.drill ? ' drill' : ''}`, attrs: { 'data-seq': entry.seq, 'data-alert': alertId } },
      h('span', { class: 'thread-alert-icon', attrs: { 'aria-hidden': 'true' } }, entry.type === 'alert.raised' ? '⚠' : entry.type === 'alert.escalated' ? '⬆' : '•'),
      exerciseBadge(entry.drill),
      h('span', { class: 'thread-alert-text', attrs: { dir: 'auto' } }, text),
      h('time', { class: 'msg-time' }, formatTime(entry.ts)),
      h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: () => this.#ctx.openAlert(alertId) } }, t('hotline.open')),
    );
  }

  #updatePending(thread: Thread): void {
    const { model, client } = this.#ctx;
    const items = this.#ctx
      .outbox()
      .filter((i): i is OutboxItem<'hotline:send'> => i.event === 'hotline:send')
      .filter((i) => i.payload.linkId === thread.link.id && !thread.clientMsgIds.has(i.payload.clientMsgId));
    const connected = client.status === 'connected';
    reconcile(
      this.#pending,
      items,
      (i) => i.id,
      (i) => {
        const p = i.payload;
        return h(
          'li',
          { class: `msg out pending prec-${p.precedence ?? 'routine'}${p.drill ? ' drill' : ''}`, attrs: { 'data-client-id': p.clientMsgId } },
          h(
            'div',
            { class: 'msg-meta' },
            exerciseBadge(p.drill === true),
            precedenceBadge(p.precedence ?? 'routine'),
            h('span', { class: 'msg-sender' }, model.postName(model.myPostOn(thread.link))),
            h('time', { class: 'msg-time' }, formatTime(i.createdAt)),
          ),
          this.#body(p.text),
          h('div', { class: 'msg-mark mark-pending' }),
        );
      },
      (el, i) => {
        const mark = el.querySelector('.msg-mark');
        if (mark) setText(mark, connected ? (i.lastError ? t('hotline.retrying', { error: i.lastError }) : t('hotline.sending')) : t('hotline.inOutbox'));
      },
    );
  }

  // --- composer ---------------------------------------------------------------------------------

  #setPrecedence(p: Precedence): void {
    this.#precedence = p;
    const input = this.#precedenceInputs.get(p);
    if (input && !input.checked) input.checked = true;
    this.#syncComposerLook();
  }

  #syncComposerLook(): void {
    const drillOnly = this.#ctx.model.drillOnly;
    if (drillOnly) {
      this.#drill.checked = true;
      this.#drill.disabled = true;
    }
    this.#form.classList.toggle('drill', this.#drill.checked);
    this.#form.dataset.precedence = this.#precedence;
    const label = `${this.#drill.checked ? t('hotline.sendExercise') : t('hotline.send')}${this.#precedence === 'flash' || this.#precedence === 'immediate' ? ` ${PRECEDENCE_LABEL[this.#precedence]}` : ''}`;
    setText(this.#sendBtn, label);
  }

  #updateCounter(): void {
    const n = codePoints(this.#text.value);
    const over = n > LIMITS.MESSAGE_TEXT_MAX;
    setText(this.#counter, n > LIMITS.MESSAGE_TEXT_MAX * 0.8 ? `${formatNumber(n)} / ${formatNumber(LIMITS.MESSAGE_TEXT_MAX)}${over ? ` ${t('hotline.tooLong')}` : ''}` : '');
    this.#counter.classList.toggle('over', over);
  }

  #send(): void {
    const linkId = this.#selected;
    const text = this.#text.value;
    if (!linkId || text.trim() === '') {
      this.#text.focus();
      return;
    }
    if (codePoints(text) > LIMITS.MESSAGE_TEXT_MAX) {
      this.#updateCounter();
      this.#text.focus();
      return;
    }
    const precedence = this.#precedence;
    const drill = this.#drill.checked;
    // The SDK puts it in the (persistent) outbox before anything else: from here it cannot be lost.
    this.#ctx.client.send(linkId, text, { precedence, drill }).catch(() => undefined);
    this.#text.value = '';
    this.#autosize();
    drafts.set(this.#ctx.model.user.id, linkId, '');
    this.#updateCounter();
    this.#setPrecedence('routine');
    this.#togglePhrases(false);
    this.#scrollToEnd();
    this.#text.focus();
    this.#ctx.requestRender();
  }

  #togglePhrases(force?: boolean): void {
    const open = force ?? this.#phrasesPanel.hidden;
    this.#phrasesPanel.hidden = !open;
    this.#phrasesBtn.setAttribute('aria-expanded', String(open));
    if (open) this.#renderPhrases();
  }

  #renderPhrases(): void {
    const { model } = this.#ctx;
    const link = this.#selected ? model.link(this.#selected) : undefined;
    if (!link) return;
    const langs = model.phraseLanguages(link);
    const mine = model.myPostOn(link);
    const myLang = mine ? model.sideOfPost(mine)?.languages[0] : undefined;
    const theirLang = mine ? model.sideOfPost(model.otherPost(link, mine))?.languages[0] : undefined;
    fill(
      this.#phrasesPanel,
      model.topology.phrases.length === 0 ? h('p', null, t('hotline.noPhrases')) : null,
      model.topology.phrases.map((phrase) =>
        h(
          'button',
          {
            class: 'phrase-option',
            attrs: { type: 'button', 'data-phrase': phrase.id },
            on: {
              click: () => {
                this.#text.value = model.composePhrase(phrase, langs);
                if (this.#selected) drafts.set(model.user.id, this.#selected, this.#text.value);
                this.#togglePhrases(false);
                this.#updateCounter();
                this.#autosize();
                this.#text.focus();
              },
            },
          },
          [myLang, theirLang, 'en']
            .filter((l, i, all): l is string => l !== undefined && all.indexOf(l) === i && phrase.text[l] !== undefined)
            .map((l) => h('span', { class: 'phrase-lang', attrs: { lang: l, dir: 'auto' } }, h('b', { class: 'lang-tag', attrs: { dir: 'ltr' } }, l.toUpperCase()), phrase.text[l]!)),
        ),
      ),
    );
  }

  // --- side panel -------------------------------------------------------------------------------

  #updateDeadlines(now: number): void {
    const { model } = this.#ctx;
    const awaiting = model.awaitingDeadlines;
    const recent = model.recentlyAcknowledged(3);
    setText(this.#deadlineCount, awaiting.length ? `(${awaiting.length})` : '');
    const items = [...awaiting, ...recent];
    reconcile(
      this.#sideDeadlines,
      items,
      (d) => d.id,
      (d) => h('div', { class: 'deadline-slot', attrs: { 'data-deadline-id': d.id } }),
      (el, d) => {
        const stamp = deadlineStamp(this.#ctx, d, now);
        if (el.dataset.stamp === stamp) return;
        el.dataset.stamp = stamp;
        fill(el, deadlineCard(this.#ctx, d, now, { open: () => this.#ctx.openMessage(d.linkId, d.seq) }));
      },
    );
    if (items.length === 0) this.#sideDeadlines.replaceChildren(h('p', { class: 'empty' }, t('hotline.noneAwaiting')));
  }

  #updateSide(): void {
    const { model } = this.#ctx;
    const now = this.#ctx.serverNow();
    this.#updateDeadlines(now);
    const mineOnly = model.user.role === 'operator';
    const inScope = model.activeAlerts.filter((r) => !mineOnly || model.myPostOn(model.link(r.alert.linkId)!) !== null);
    // Open alerts apart from acknowledged ones: a card never says "waiting" once the other side acknowledged.
    const active = inScope.filter((r) => r.alert.state === 'open');
    const acked = inScope.filter((r) => r.alert.state === 'acknowledged');
    const queued = this.#ctx.outbox().filter((i): i is OutboxItem<'alert:raise'> => i.event === 'alert:raise');
    const cards: { key: string; el: () => HTMLElement }[] = [];
    for (const i of queued) {
      cards.push({
        key: `q-${i.id}`,
        el: () =>
          h(
            'div',
            { class: `alert-card queued sev-${i.payload.severity}${i.payload.drill ? ' drill' : ''}` },
            exerciseBadge(i.payload.drill === true),
            h('strong', null, t('hotline.alertQueued', { kind: KIND_LABEL[i.payload.kind] })),
            h('span', null, t('hotline.alertQueuedWhen')),
          ),
      });
    }
    for (const r of active) {
      const a = r.alert;
      const incoming = model.user.post === a.counterpartPostId;
      const ours = model.user.post === a.raiserPostId;
      cards.push({
        key: `${a.alertId}:${a.state}:${a.step}:${a.updatedSeq}`,
        el: () =>
          h(
            'button',
            {
              class: `alert-card sev-${a.severity} state-${a.state}${a.drill ? ' drill' : ''}`,
              attrs: { type: 'button', 'data-alert': a.alertId },
              on: { click: () => this.#ctx.openAlert(a.alertId) },
            },
            h('span', { class: 'alert-card-top' }, severityChip(a.severity), exerciseBadge(a.drill), h('span', { class: `state-chip state-${a.state}` }, a.state === 'open' ? t('hotline.stateOpen') : t('hotline.stateAcked'))),
            h('strong', { class: 'alert-card-kind' }, KIND_LABEL[a.kind]),
            h(
              'span',
              { class: 'alert-card-where' },
              a.raisedBy.role === 'system'
                ? `${model.link(a.linkId)?.name}: ${alertBetween(model, a)}, ${formatTime(a.raisedAt)}`
                : ours
                  ? t('hotline.raisedByUs', { link: model.link(a.linkId)?.name ?? a.linkId, post: model.postName(a.counterpartPostId) })
                  : t(incoming ? 'hotline.cardFrom' : 'hotline.cardRaisedBy', { post: model.postName(a.raiserPostId), time: formatTime(a.raisedAt) }),
            ),
            escalationLine(model, a, now),
          ),
      });
    }
    reconcile(this.#sideAlerts, cards, (c) => c.key, (c) => c.el(), () => undefined);
    if (cards.length === 0) this.#sideAlerts.replaceChildren(h('p', { class: 'empty' }, t('hotline.noOpenAlerts')));
    const ackedCards = acked.map((r) => {
      const a = r.alert;
      return {
        key: `${a.alertId}:${a.state}:${a.updatedSeq}`,
        el: () =>
          h(
            'button',
            { class: `alert-card sev-${a.severity} state-${a.state}${a.drill ? ' drill' : ''}`, attrs: { type: 'button', 'data-alert': a.alertId }, on: { click: () => this.#ctx.openAlert(a.alertId) } },
            h('span', { class: 'alert-card-top' }, severityChip(a.severity), exerciseBadge(a.drill), h('span', { class: `state-chip state-${a.state}` }, t('hotline.stateAcked'))),
            h('strong', { class: 'alert-card-kind' }, KIND_LABEL[a.kind]),
            h(
              'span',
              { class: 'alert-card-where' },
              `${model.link(a.linkId)?.name ?? a.linkId}: `,
              t('hotline.ackedByPost', { post: a.acknowledgedBy ? actorLabel(model, a.acknowledgedBy) : model.postName(a.counterpartPostId), time: formatTime(a.acknowledgedAt ?? a.raisedAt) }),
            ),
          ),
      };
    });
    reconcile(this.#ackedAlerts, ackedCards, (c) => c.key, (c) => c.el(), () => undefined);
    (this.el.querySelector('.acked-title') as HTMLElement).hidden = ackedCards.length === 0;
    const waiting = model.awaitingDeadlines.length;
    setText(this.#sideToggle, `⚠ ${t('hotline.sidePanel')} (${formatNumber(active.length + queued.length)} · ${formatNumber(waiting)})`);
    this.#sideToggle.classList.toggle('has-items', active.length + queued.length + waiting > 0);
  }

  #showSide(open: boolean): void {
    this.el.classList.toggle('show-side', open);
    this.#sideToggle.setAttribute('aria-expanded', String(open));
    if (open) (this.el.querySelector('.side-close') as HTMLElement | null)?.focus();
    else this.#sideToggle.focus();
  }

  /** The composer grows with what it holds (every line of a phrase in sight), up to its maximum height. */
  #autosize(): void {
    const el = this.#text;
    el.style.height = 'auto';
    if (el.value.includes('\n')) el.style.height = `${el.scrollHeight + 4}px`;
    else el.style.removeProperty('height');
  }

  // --- scrolling --------------------------------------------------------------------------------

  #atBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  }

  #scrollToEnd(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
    this.#stick = true;
    this.#jump.hidden = true;
  }
}
