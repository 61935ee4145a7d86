import { fill, h, setText } from '../dom.js';
import { KIND_LABEL, SEVERITY_LABEL, formatTime } from '../format.js';
import type { AlertRecord } from '../model.js';
import { alertDescription, escalationLine, holdButton, raisedByText, type Ctx } from './common.js';
import { LineCheckBar } from './discipline.js';
import { t, upper } from '../i18n/index.js';

/** How long the acknowledge button stays disarmed after the takeover appears: no stray click acknowledges. */
const ARMING_MS = 800;
/** How long "silence" must be held down. */
const SILENCE_HOLD_MS = 1500;

/**
 * An incoming alert (raised against this operator's post) takes over the screen and sounds the siren
 * until someone acknowledges it. It is a modal dialog (everything behind is inert) that cannot be
 * dismissed: Escape does nothing, the acknowledge button needs a deliberate press, and silencing only
 * mutes the sound for that alert, after a press-and-hold; the takeover stays until the acknowledgement
 * is in the log.
 */
export class Takeover {
  readonly el: HTMLDialogElement;
  readonly #ctx: Ctx;
  readonly #content: HTMLElement;
  readonly #ack: HTMLButtonElement;
  readonly #silence: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #more: HTMLElement;
  /** Line checks due while the takeover covers the screen: they can be answered from here. */
  readonly #lineChecks: LineCheckBar;
  readonly #silenced = new Set<string>();
  #current: string | null = null;
  #armTimer: ReturnType<typeof setTimeout> | undefined;
  #restoreFocus: Element | null = null;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#content = h('div', { class: 'takeover-content' });
    this.#status = h('p', { class: 'takeover-status', attrs: { role: 'status' } });
    this.#more = h('p', { class: 'takeover-more' });
    this.#lineChecks = new LineCheckBar(ctx);
    this.#ack = h('button', { class: 'takeover-ack', attrs: { type: 'button' }, on: { click: () => this.#acknowledge() } }, t('takeover.ack'));
    this.#silence = holdButton(t('takeover.hold'), SILENCE_HOLD_MS, () => this.#silenceCurrent(), 'takeover-silence');
    this.el = h(
      'dialog',
      { class: 'takeover', attrs: { 'aria-labelledby': 'takeover-title', 'aria-describedby': 'takeover-desc' } },
      h(
        'div',
        { class: 'takeover-box', attrs: { tabindex: -1 } },
        this.#content,
        h('div', { class: 'takeover-actions' }, this.#ack, this.#silence),
        this.#status,
        this.#more,
        this.#lineChecks.el,
        h(
          'p',
          { class: 'takeover-help' },
          t('takeover.help', { seconds: SILENCE_HOLD_MS / 1000 }),
        ),
      ),
    ) as HTMLDialogElement;
    // Escape must not dismiss it; and if the browser closes it anyway, it comes straight back.
    this.el.addEventListener('cancel', (ev) => ev.preventDefault());
    this.el.addEventListener('close', () => {
      if (this.#current) queueMicrotask(() => this.update(true));
    });
  }

  /** Alerts shown now (most severe, then oldest, first). */
  #incoming(): AlertRecord[] {
    return this.#ctx.model.takeoverAlerts;
  }

  #pendingAcks(): Set<string> {
    const out = new Set<string>();
    for (const i of this.#ctx.outbox()) if (i.event === 'alert:ack' && 'alertId' in i.payload) out.add(i.payload.alertId);
    return out;
  }

  /** Whether the siren should sound: an incoming alert neither silenced nor acknowledged (even if only queued). */
  get wantsSiren(): boolean {
    const pending = this.#pendingAcks();
    return this.#incoming().some((r) => !this.#silenced.has(r.alert.alertId) && !pending.has(r.alert.alertId));
  }

  get showing(): string | null {
    return this.#current;
  }

  update(force = false): void {
    const incoming = this.#incoming();
    const top = incoming[0];
    if (!top) {
      if (this.#current) {
        this.#current = null;
        this.el.close();
        // Nothing of it may linger (a countdown of an acknowledged alert, say).
        this.#content.replaceChildren();
        document.documentElement.dataset.takeover = 'none';
        if (this.#restoreFocus instanceof HTMLElement && this.#restoreFocus.isConnected) this.#restoreFocus.focus();
      }
      return;
    }
    const a = top.alert;
    if (!this.el.open) {
      this.#restoreFocus = document.activeElement;
      // Any other modal (the raise form) stays open underneath; this one goes on top.
      this.el.showModal();
      (this.el.querySelector('.takeover-box') as HTMLElement).focus();
    }
    document.documentElement.dataset.takeover = a.alertId;
    const pending = this.#pendingAcks().has(a.alertId);
    if (a.alertId !== this.#current || force) {
      this.#current = a.alertId;
      this.#render(top);
      this.#ack.disabled = true;
      clearTimeout(this.#armTimer);
      this.#armTimer = setTimeout(() => {
        this.#ack.disabled = this.#pendingAcks().has(a.alertId);
      }, ARMING_MS);
    } else {
      // Same alert: refresh only what moves (countdown line, status).
      const line = this.#content.querySelector('.takeover-countdown');
      if (line) line.replaceChildren(escalationLine(this.#ctx.model, a, this.#ctx.serverNow()));
    }
    if (pending) this.#ack.disabled = true;
    this.el.className = `takeover sev-${a.severity}${a.drill ? ' drill' : ''}${this.#silenced.has(a.alertId) ? ' silenced' : ''}`;
    const offline = this.#ctx.client.status !== 'connected';
    const sound = this.#ctx.alarm.sirenState;
    setText(
      this.#status,
      pending
        ? offline
          ? t('takeover.ackQueued')
          : t('takeover.acking')
        : this.#silenced.has(a.alertId)
          ? t('takeover.silenced')
          : sound === 'blocked'
            ? t('takeover.soundBlocked')
            : t('takeover.sounding'),
    );
    this.#status.dataset.sound = pending ? 'pending' : this.#silenced.has(a.alertId) ? 'silenced' : sound;
    this.#silence.hidden = this.#silenced.has(a.alertId) || pending;
    setText(this.#more, incoming.length > 1 ? t('takeover.more', { count: incoming.length - 1 }) : '');
    this.#lineChecks.update();
  }

  #render(r: AlertRecord): void {
    const { model } = this.#ctx;
    const a = r.alert;
    const link = model.link(a.linkId);
    const side = model.sideOfPost(a.raiserPostId);
    const system = a.raisedBy.role === 'system';
    const escalated = model.escalatedTakeovers.has(a.alertId) && model.user.role === 'commander';
    const actingFor = escalated ? model.permissions(a).actingFor : null;
    setText(this.#ack, actingFor ? t('takeover.ackFor', { post: model.postName(actingFor) }) : t('takeover.ack'));
    fill(
      this.#content,
      a.drill ? h('div', { class: 'exercise-strip big' }, t('takeover.exerciseStrip')) : null,
      h(
        'p',
        { class: `takeover-kicker${escalated ? ' escalated' : ''}` },
        `${escalated ? `${t('takeover.kickerEscalated')} · ` : ''}${a.drill ? t('takeover.kickerExercise') : t('takeover.kicker')} · ${link?.name ?? a.linkId} · ${system ? t('takeover.bySystem') : t('takeover.from', { post: side ? `${model.postName(a.raiserPostId)} (${side.name})` : model.postName(a.raiserPostId) })}`,
      ),
      h('h1', { id: 'takeover-title', class: 'takeover-title' }, upper(KIND_LABEL[a.kind])),
      h('p', { class: 'takeover-sev' }, h('span', { class: `sev-chip big sev-${a.severity}` }, t('takeover.severity', { severity: a.severity, label: upper(SEVERITY_LABEL[a.severity]) }))),
      h('p', { id: 'takeover-desc', class: 'takeover-desc', attrs: { dir: 'auto' } }, alertDescription(model, a)),
      h(
        'p',
        { class: 'takeover-facts' },
        t('takeover.raised', { time: formatTime(a.raisedAt), who: raisedByText(model, a) }),
        a.location ? ` · ${t('takeover.at', { place: `${a.location.label ? `${a.location.label} ` : ''}(${a.location.lat.toFixed(4)}, ${a.location.lon.toFixed(4)})` })}` : '',
      ),
      a.kind === 'line-fault'
        ? h(
            'p',
            { class: 'takeover-explain' },
            t('takeover.lineFault', { post: model.postName(a.raiserPostId) }),
          )
        : null,
      h('p', { class: 'takeover-countdown' }, escalationLine(model, a, this.#ctx.serverNow())),
    );
  }

  #acknowledge(): void {
    const id = this.#current;
    if (!id || this.#ack.disabled) return;
    this.#ack.disabled = true;
    this.#ctx.client.ackAlert(id).catch(() => {
      // Refused (the reason arrives as a 'failed' notice): let them try again.
      if (this.#current === id) this.#ack.disabled = false;
    });
    this.#ctx.requestRender();
  }

  #silenceCurrent(): void {
    if (!this.#current) return;
    this.#silenced.add(this.#current);
    this.#ctx.requestRender();
  }
}
