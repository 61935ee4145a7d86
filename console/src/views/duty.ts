import type { EntryOf, Link } from '@hotline/shared';
import { ErrorCode, LIMITS } from '@hotline/shared/core';
import { HotlineError } from '@hotline/client-sdk';
import { fill, h, setText } from '../dom.js';
import { formatTime, isolate } from '../format.js';
import type { DutyState, HandoverRecord } from '../model.js';
import { formatNumber, t } from '../i18n/index.js';
import { exerciseBadge, listOf, withNames, type Ctx } from './common.js';

/**
 * Who is on duty at both ends of a link (docs/admin.md, "Who is on duty"): a line per post in the
 * thread head (the operator on duty, since when, whether their console is connected, the handover note
 * on hover or tap), the duty roster of both posts (every handover the console has seen), and the
 * "Hand over shift" dialog, which signs one duty:handover act per link of the post through the SDK.
 * Everything is projected from the duty.handover entries and presence, so it changes as they arrive.
 */
export class DutyPanel {
  /** Goes into the thread head; drawn again only when what it shows changed. */
  readonly el: HTMLElement;
  readonly dialog: HandoverDialog;
  readonly #ctx: Ctx;
  #rosterOpen = false;
  #stamp = '';

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.el = h('section', { class: 'duty', attrs: { 'aria-label': t('duty.label') } });
    this.dialog = new HandoverDialog(ctx);
  }

  /** Draws the duty of the link's posts (the user's own post first). */
  update(link: Link): HTMLElement {
    const { model } = this.#ctx;
    const mine = model.myPostOn(link);
    const posts = mine ? [mine, model.otherPost(link, mine)] : [...link.posts];
    const states = posts.map((p) => ({ postId: p, state: model.onDuty(p), roster: model.handovers(p).length }));
    const stamp = JSON.stringify([link.id, this.#rosterOpen, states.map((s) => [s.postId, dutyStamp(s.state), s.roster])]);
    if (stamp === this.#stamp) return this.el;
    this.#stamp = stamp;
    const rosterId = `duty-roster-${link.id}`;
    fill(
      this.el,
      h(
        'div',
        { class: 'duty-lines' },
        states.map((s) => dutyLine(this.#ctx, s.postId, s.state)),
        h(
          'span',
          { class: 'duty-actions' },
          mine
            ? h('button', { class: 'duty-handover-open', attrs: { type: 'button' }, on: { click: () => this.dialog.open(mine) } }, t('duty.handOver'))
            : null,
          h(
            'button',
            {
              class: 'duty-roster-toggle link-button',
              attrs: { type: 'button', 'aria-expanded': String(this.#rosterOpen), 'aria-controls': rosterId },
              on: {
                click: () => {
                  this.#rosterOpen = !this.#rosterOpen;
                  this.update(link);
                },
              },
            },
            this.#rosterOpen ? t('duty.rosterHide') : t('duty.roster'),
          ),
        ),
      ),
      this.#rosterOpen ? roster(this.#ctx, posts, rosterId) : null,
    );
    return this.el;
  }
}

function dutyStamp(s: DutyState): string {
  if (s.kind === 'handover') return `h:${s.userId}:${s.since}:${String(s.online)}:${s.record.entries.length}`;
  if (s.kind === 'logged-in') return `l:${s.users.join(',')}`;
  return `n:${String(s.online)}`;
}

/** "Post B1 · On duty: Operator b1 · since 08:00 · online", the note on hover and on tap. */
export function dutyLine(ctx: Ctx, postId: string, state: DutyState): HTMLElement {
  const { model } = ctx;
  const post = h('span', { class: 'duty-post' }, model.postName(postId));
  if (state.kind === 'handover') {
    const presence = state.online === null ? null : h('span', { class: `duty-presence ${state.online ? 'on' : 'off'}` }, h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), state.online ? t('duty.online') : t('duty.offline'));
    return h(
      'p',
      { class: 'duty-line', attrs: { 'data-post': postId, 'data-duty': 'handover', 'data-user': state.userId, title: state.note ? `${t('duty.noteLabel')}: ${isolate(state.note)}` : null } },
      post,
      h('span', { class: 'duty-who' }, withNames('duty.onDuty', { name: model.userName(state.userId) })),
      h('time', { class: 'duty-since', attrs: { datetime: new Date(state.since).toISOString() } }, t('duty.since', { time: formatTime(state.since) })),
      presence,
      state.note
        ? h('details', { class: 'duty-note' }, h('summary', null, t('duty.noteLabel')), h('span', { class: 'duty-note-text', attrs: { dir: 'auto' } }, state.note))
        : null,
    );
  }
  if (state.kind === 'logged-in') {
    return h(
      'p',
      { class: 'duty-line', attrs: { 'data-post': postId, 'data-duty': 'logged-in', 'data-user': state.users.join(' ') } },
      post,
      h('span', { class: 'duty-who' }, t('duty.loggedIn', { names: listOf(state.users.map((u) => isolate(model.userName(u)))) })),
      h('span', { class: 'duty-presence on' }, h('i', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), t('duty.online')),
    );
  }
  return h(
    'p',
    { class: 'duty-line', attrs: { 'data-post': postId, 'data-duty': 'nobody' } },
    post,
    h('span', { class: 'duty-who' }, state.online === null ? t('duty.notKnown') : t('duty.nobody')),
  );
}

/** The duty roster of the posts: every handover seen, newest first. */
function roster(ctx: Ctx, posts: string[], id: string): HTMLElement {
  const { model } = ctx;
  return h(
    'div',
    { class: 'duty-roster', attrs: { id } },
    posts.map((p) => {
      const list = model.handovers(p);
      const state = model.onDuty(p);
      const current = state.kind === 'handover' ? state.record : null;
      return h(
        'section',
        { class: 'duty-roster-post', attrs: { 'data-post': p } },
        h('h3', null, withNames('duty.rosterTitle', { post: model.postName(p) })),
        list.length === 0
          ? h('p', { class: 'empty' }, t('duty.rosterEmpty'))
          : h(
              'ol',
              { class: 'duty-roster-list' },
              list.map((r) => rosterItem(ctx, r, r === current)),
            ),
      );
    }),
  );
}

function rosterItem(ctx: Ctx, r: HandoverRecord, current: boolean): HTMLElement {
  const { model } = ctx;
  return h(
    'li',
    { class: `duty-roster-item${current ? ' current' : ''}`, attrs: { 'data-user': r.to } },
    h('time', { class: 'msg-time', attrs: { datetime: new Date(r.at).toISOString() } }, formatTime(r.at)),
    exerciseBadge(r.drill),
    h('span', { class: 'duty-roster-who' }, withNames('duty.fromTo', { from: model.userName(r.from), to: model.userName(r.to) })),
    current ? h('span', { class: 'duty-roster-now' }, t('duty.now')) : null,
    r.note ? h('span', { class: 'duty-roster-note', attrs: { dir: 'auto' } }, r.note) : null,
  );
}

/** A handover as a line of a link's thread, at both ends: "Post A1: shift handed over: A → B · note". */
export function dutyItem(ctx: Ctx, entry: EntryOf<'duty.handover'>): HTMLElement {
  const { model } = ctx;
  const p = entry.payload;
  const from = model.userName(p.from ?? entry.actor.userId);
  return h(
    'li',
    { class: `thread-event duty-handover${entry.drill ? ' drill' : ''}`, attrs: { 'data-seq': entry.seq, 'data-type': entry.type, 'data-post': p.postId } },
    h('span', { class: 'thread-alert-icon', attrs: { 'aria-hidden': 'true' } }, '⇄'),
    exerciseBadge(entry.drill),
    h(
      'span',
      // The sentence in the page's language and direction (not guessed from its first letter, which is a
      // post's name: a Latin one turned Pashto left to right); the names in it isolated.
      { class: 'thread-alert-text' },
      withNames('duty.event', { post: model.postName(p.postId), from, to: model.userName(p.to) }),
      p.note ? ' · ' : null,
      p.note ? h('span', { class: 'duty-event-note', attrs: { dir: 'auto' } }, p.note) : null,
    ),
    h('time', { class: 'msg-time' }, formatTime(entry.ts)),
  );
}

/**
 * "Hand over shift": pick the incoming operator of the post, write a short note, confirm. The SDK
 * signs one duty:handover act per link of the post and posts them; the entries then come back over
 * the line like any other. A refusal is said in the dialog, which stays open.
 */
export class HandoverDialog {
  readonly el: HTMLDialogElement;
  readonly #ctx: Ctx;
  readonly #form: HTMLFormElement;
  readonly #title: HTMLElement;
  readonly #current: HTMLElement;
  readonly #to: HTMLSelectElement;
  readonly #note: HTMLTextAreaElement;
  readonly #counter: HTMLElement;
  readonly #confirm: HTMLElement;
  readonly #error: HTMLElement;
  readonly #next: HTMLButtonElement;
  readonly #submit: HTMLButtonElement;
  readonly #back: HTMLButtonElement;
  #postId: string | null = null;
  #busy = false;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#title = h('h2', { id: 'duty-dialog-title' });
    this.#current = h('p', { class: 'duty-current' });
    this.#to = h('select', { attrs: { name: 'duty-to', id: 'duty-to', required: true } });
    this.#note = h('textarea', {
      attrs: { name: 'duty-note', id: 'duty-note', dir: 'auto', rows: 3, maxlength: LIMITS.HANDOVER_NOTE_MAX, placeholder: t('duty.notePlaceholder') },
    });
    this.#counter = h('span', { class: 'duty-counter', attrs: { 'aria-live': 'polite' } });
    this.#note.addEventListener('input', () => this.#updateCounter());
    this.#confirm = h('p', { class: 'duty-confirm', attrs: { hidden: true, role: 'status' } });
    this.#error = h('p', { class: 'form-error duty-error', attrs: { role: 'alert' } });
    this.#next = h('button', { class: 'primary duty-next', attrs: { type: 'submit' } }, t('duty.next'));
    this.#submit = h('button', { class: 'primary duty-submit', attrs: { type: 'button', hidden: true }, on: { click: () => void this.#send() } }, t('duty.confirm'));
    this.#back = h('button', { class: 'secondary duty-back', attrs: { type: 'button', hidden: true }, on: { click: () => this.#step('choose') } }, t('duty.back'));
    this.#form = h(
      'form',
      {
        class: 'duty-form',
        on: {
          submit: (ev) => {
            ev.preventDefault();
            this.#review();
          },
        },
      },
      this.#title,
      this.#current,
      h('label', { class: 'field' }, h('span', null, t('duty.incoming')), this.#to),
      h('label', { class: 'field' }, h('span', null, t('duty.note')), this.#note),
      this.#counter,
      this.#confirm,
      this.#error,
      h(
        'div',
        { class: 'form-actions' },
        h('button', { class: 'secondary', attrs: { type: 'button' }, on: { click: () => this.el.close() } }, t('duty.cancel')),
        this.#back,
        this.#next,
        this.#submit,
      ),
    );
    this.el = h('dialog', { class: 'duty-dialog', attrs: { 'aria-labelledby': 'duty-dialog-title' } }, this.#form) as HTMLDialogElement;
  }

  /** Opens the dialog for the user's own post. */
  open(postId: string): void {
    const { model } = this.#ctx;
    this.#postId = postId;
    this.#form.reset();
    this.#busy = false;
    setText(this.#error, '');
    setText(this.#title, t('duty.dialogTitle', { post: isolate(model.postName(postId)) }));
    const state = model.onDuty(postId);
    const onDuty = state.kind === 'handover' ? state.userId : null;
    setText(
      this.#current,
      state.kind === 'handover'
        ? t('duty.current', { name: isolate(model.userName(state.userId)), time: formatTime(state.since) })
        : state.kind === 'logged-in'
          ? t('duty.loggedIn', { names: listOf(state.users.map((u) => isolate(model.userName(u)))) })
          : t('duty.noHandover'),
    );
    fill(
      this.#to,
      h('option', { attrs: { value: '', disabled: true, selected: true } }, t('duty.choose')),
      model
        .operatorsOf(postId)
        .filter((u) => u.id !== onDuty)
        .map((u) => h('option', { attrs: { value: u.id } }, u.id === model.user.id ? t('duty.you', { name: isolate(u.name) }) : u.name)),
    );
    this.#step('choose');
    this.#updateCounter();
    this.el.showModal();
    this.#to.focus();
  }

  #updateCounter(): void {
    const n = this.#note.value.length;
    setText(this.#counter, n > LIMITS.HANDOVER_NOTE_MAX * 0.8 ? `${formatNumber(n)} / ${formatNumber(LIMITS.HANDOVER_NOTE_MAX)}` : '');
  }

  #step(step: 'choose' | 'confirm'): void {
    const confirm = step === 'confirm';
    this.#to.disabled = confirm;
    this.#note.readOnly = confirm;
    this.#confirm.hidden = !confirm;
    this.#next.hidden = confirm;
    this.#submit.hidden = !confirm;
    this.#back.hidden = !confirm;
    this.#submit.disabled = false;
    this.#back.disabled = false;
    setText(this.#submit, t('duty.confirm'));
    if (confirm) this.#submit.focus();
  }

  /** The choice, said in full before it is signed. */
  #review(): void {
    const { model } = this.#ctx;
    const postId = this.#postId;
    if (!postId) return;
    const to = this.#to.value;
    if (!to) {
      setText(this.#error, t('duty.errChoose'));
      this.#to.focus();
      return;
    }
    setText(this.#error, '');
    const state = model.onDuty(postId);
    const from = state.kind === 'handover' ? state.userId : model.user.id;
    const links = model.links.filter((l) => l.posts.includes(postId)).length;
    setText(this.#confirm, t('duty.confirmText', { post: isolate(model.postName(postId)), from: isolate(model.userName(from)), to: isolate(model.userName(to)), count: links }));
    this.#step('confirm');
  }

  async #send(): Promise<void> {
    const { model, client } = this.#ctx;
    const postId = this.#postId;
    const to = this.#to.value;
    if (!postId || !to || this.#busy) return;
    this.#busy = true;
    this.#submit.disabled = true;
    this.#back.disabled = true;
    setText(this.#submit, t('duty.sending'));
    setText(this.#error, '');
    try {
      await client.handOver({ postId, to, note: this.#note.value.trim() });
      this.el.close();
      this.#ctx.notify({ key: `duty:${postId}`, level: 'success', text: t('duty.done', { post: isolate(model.postName(postId)), name: isolate(model.userName(to)) }), ttlMs: 8000 });
      this.#ctx.requestRender();
    } catch (err) {
      setText(this.#error, handoverError(this.#ctx, err, postId, to));
      this.#step('choose');
      this.#to.focus();
    } finally {
      this.#busy = false;
    }
  }
}

/** A refused handover, in words: nothing was written in any of these cases. */
function handoverError(ctx: Ctx, err: unknown, postId: string, to: string): string {
  const { model } = ctx;
  if (!(err instanceof HotlineError)) return t('duty.errOther', { code: ErrorCode.INTERNAL, message: String((err as Error)?.message ?? err) });
  switch (err.code) {
    case ErrorCode.VALIDATION_FAILED: {
      const fields = (err.details?.fields as { field?: string }[] | undefined) ?? [];
      if (fields.some((f) => f.field === 'to')) return t('duty.errNotOperator', { name: isolate(model.userName(to)), post: isolate(model.postName(postId)) });
      return t('duty.errOther', { code: err.code, message: err.message });
    }
    case ErrorCode.FORBIDDEN:
      return t('duty.errForbidden', { post: isolate(model.postName(postId)) });
    case ErrorCode.DISCONNECTED:
    case ErrorCode.TIMEOUT:
      return t('duty.errOffline');
    default:
      return t('duty.errOther', { code: err.code, message: err.message });
  }
}
