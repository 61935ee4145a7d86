import type { Actor, Alert, Precedence, Severity } from '@hotline/shared';
import type { HotlineClient, OutboxItem } from '@hotline/client-sdk';
import type { Alarm } from '../alarm.js';
import { h } from '../dom.js';
import { KIND_LABEL, PRECEDENCE_LABEL, SEVERITY_LABEL, TARGET_LABEL, formatCountdown, formatDuration, formatTime } from '../format.js';
import type { ConsoleModel } from '../model.js';
import type { NotificationAttempts } from '../notify-attempts.js';
import { COUNTDOWN_SLOT, formatLocale, formatNumber, t, upper, type MessageKey, type MessageValues } from '../i18n/index.js';

/** What every view gets from the app. */
export interface Ctx {
  readonly model: ConsoleModel;
  readonly client: HotlineClient;
  readonly alarm: Alarm;
  /** Notification attempts per alert (push, gateways), fetched as alerts are shown. */
  readonly attempts: NotificationAttempts;
  /** Server time now (the local clock corrected by the server's), for countdowns to server deadlines. */
  serverNow(): number;
  /** Re-renders what changed, once, at the end of the current task. */
  requestRender(): void;
  /** Shows an alert in the Alerts view. */
  openAlert(alertId: string): void;
  /** Shows a link's thread in the Hotline view. */
  openLink(linkId: string): void;
  /** Shows a link's thread scrolled to one entry (a message awaiting acknowledgement, say). */
  openMessage(linkId: string, seq: number): void;
  /** Opens the raise-alert form. */
  openRaise(linkId?: string): void;
  /** Adds a notice at the top of the screen. */
  notify(notice: NoticeInput): void;
  /** Items waiting in the SDK outbox. */
  outbox(): readonly OutboxItem[];
}

export interface NoticeInput {
  /** Notices with the same key replace each other. */
  key: string;
  level: 'info' | 'success' | 'warning' | 'critical';
  text: string;
  /** Removed by itself after this many ms. */
  ttlMs?: number;
  action?: { label: string; run: () => void };
}

export function exerciseBadge(drill: boolean, big = false): HTMLElement | null {
  return drill ? h('span', { class: big ? 'exercise-badge big' : 'exercise-badge', attrs: { title: t('common.exerciseTitle') } }, t('common.exercise')) : null;
}

export function severityChip(severity: Severity): HTMLElement {
  return h('span', { class: `sev-chip sev-${severity}`, attrs: { title: t('common.severityOf', { severity }) } }, `${formatNumber(severity)} ${upper(SEVERITY_LABEL[severity])}`);
}

export function precedenceBadge(p: Precedence): HTMLElement | null {
  return p === 'routine' ? null : h('span', { class: `prec-badge prec-${p}` }, PRECEDENCE_LABEL[p]);
}

/** A live countdown to a server deadline; the app's ticker refreshes every element with data-deadline. */
export function countdown(deadline: number, now: number): HTMLElement {
  return h('b', { class: 'countdown', attrs: { 'data-deadline': deadline, role: 'timer' } }, formatCountdown(deadline - now));
}

/** A live "time since"; refreshed like countdowns. */
export function elapsed(since: number, now: number): HTMLElement {
  return h('span', { class: 'elapsed', attrs: { 'data-since': since } }, formatDuration(now - since));
}

/** "Post B1 (Operator b1)", "Commander sa1 for Post B1", "system". */
export function actorLabel(model: ConsoleModel, actor: Actor): string {
  if (actor.role === 'system') return t('common.system');
  const user = model.userName(actor.userId);
  if (actor.role === 'commander') return actor.postId ? t('common.onBehalfOf', { user, post: model.postName(actor.postId) }) : user;
  return actor.postId ? `${model.postName(actor.postId)} (${user})` : user;
}

/** Who raised an alert, in words: a line-fault alert is raised by the system, for an unanswered line check. */
export function raisedByText(model: ConsoleModel, alert: Alert): string {
  if (alert.raisedBy.role === 'system') return alert.kind === 'line-fault' ? t('common.systemLineCheck') : t('common.theSystem');
  return actorLabel(model, alert.raisedBy);
}

/** One line on where an alert stands between the posts: "Post A1 → Post B1", or the silent post of a line fault. */
export function alertBetween(model: ConsoleModel, alert: Alert): string {
  if (alert.raisedBy.role === 'system') return t('common.systemBetween', { post: model.postName(alert.counterpartPostId) });
  return `${model.postName(alert.raiserPostId)} → ${model.postName(alert.counterpartPostId)}`;
}

/**
 * An alert's description. A line fault's, written by the server in UTC, is told in local time from the
 * line check itself when the console holds it.
 */
export function alertDescription(model: ConsoleModel, alert: Alert): string {
  if (alert.kind !== 'line-fault') return alert.description;
  const check = [...model.lineChecks.values()].find((c) => c.closed?.alertId === alert.alertId);
  if (!check?.closed) return alert.description;
  return t('common.lineFaultDesc', { time: formatTime(check.slotAt), posts: listOf(check.closed.missed.map((p) => model.postName(p))) });
}

export function alertTitle(alert: Alert): string {
  return KIND_LABEL[alert.kind];
}

/** Who the next escalation step notifies, by the alert's policy. */
export function nextTargets(model: ConsoleModel, alert: Alert): string {
  const policy = model.topology.escalationPolicies.find((p) => p.id === alert.policyId);
  if (!policy) return t('common.nextLevel');
  const level = policy.levels[Math.min(alert.step, policy.levels.length - 1)];
  return level ? listOf(level.targets.map((x) => TARGET_LABEL[x] ?? x)) : t('common.nextLevel');
}

/** "Escalates to counterpart supervisors in 1:23", or why it does not. */
export function escalationLine(model: ConsoleModel, alert: Alert, now: number): HTMLElement {
  if (alert.state !== 'open') return h('span', { class: 'escalation-line done' }, alert.state === 'acknowledged' ? t('esc.stoppedAck') : t('esc.none'));
  if (alert.nextEscalationAt === null) {
    return h('span', { class: 'escalation-line exhausted' }, alert.step > 0 ? t('esc.exhausted', { step: alert.step }) : t('esc.never'));
  }
  return h(
    'span',
    { class: 'escalation-line', attrs: { 'data-alert-countdown': alert.alertId } },
    ...withCountdown(alert.step > 0 ? t('esc.nextAfter', { step: alert.step, targets: nextTargets(model, alert), countdown: COUNTDOWN_SLOT }) : t('esc.escalatesTo', { targets: nextTargets(model, alert), countdown: COUNTDOWN_SLOT }), countdown(alert.nextEscalationAt, now)),
  );
}

/** A message with a `{countdown}` slot ("Escalates to X in {countdown}"), the live countdown put in the slot. */
export function withCountdown(text: string, timer: HTMLElement): (string | HTMLElement)[] {
  const at = text.indexOf(COUNTDOWN_SLOT);
  if (at < 0) return [text, ' ', timer];
  return [text.slice(0, at), timer, text.slice(at + COUNTDOWN_SLOT.length)];
}

/** Joins names with the language's "and" ("A, B and C"). */
export function listOf(items: readonly string[]): string {
  return new Intl.ListFormat(formatLocale(), { style: 'long', type: 'conjunction' }).format(items);
}

/** A button that acts only after being held down (mouse, touch or keyboard) for `holdMs`. */
export function holdButton(label: string, holdMs: number, onDone: () => void, className = ''): HTMLButtonElement {
  const fillBar = h('span', { class: 'hold-fill', attrs: { 'aria-hidden': 'true' } });
  const text = h('span', { class: 'hold-label' }, label);
  const btn = h('button', { class: `hold-button ${className}`, attrs: { type: 'button', 'aria-describedby': undefined } }, fillBar, text);
  btn.title = t('common.holdFor', { seconds: holdMs / 1000 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const start = (ev: Event) => {
    ev.preventDefault();
    if (timer) return;
    btn.classList.add('holding');
    fillBar.style.transitionDuration = `${holdMs}ms`;
    timer = setTimeout(() => {
      timer = undefined;
      btn.classList.remove('holding');
      onDone();
    }, holdMs);
  };
  const stop = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = undefined;
    btn.classList.remove('holding');
  };
  btn.addEventListener('pointerdown', start);
  btn.addEventListener('pointerup', stop);
  btn.addEventListener('pointerleave', stop);
  btn.addEventListener('pointercancel', stop);
  btn.addEventListener('keydown', (ev) => {
    if ((ev.key === ' ' || ev.key === 'Enter') && !ev.repeat) start(ev);
    else if (ev.key === ' ' || ev.key === 'Enter') ev.preventDefault();
  });
  btn.addEventListener('keyup', (ev) => {
    if (ev.key === ' ' || ev.key === 'Enter') stop();
  });
  btn.addEventListener('blur', stop);
  // A click alone (press and release) does nothing: that is the point.
  btn.addEventListener('click', (ev) => ev.preventDefault());
  return btn;
}

/** A button that asks "Sure?" on the first press and acts on the second, within a few seconds. */
export function confirmButton(label: string, confirmLabel: string, onConfirm: () => void, className = ''): HTMLButtonElement {
  const btn = h('button', { class: className, attrs: { type: 'button' } }, label);
  let armed: ReturnType<typeof setTimeout> | undefined;
  btn.addEventListener('click', () => {
    if (armed) {
      clearTimeout(armed);
      armed = undefined;
      btn.textContent = label;
      btn.classList.remove('armed');
      onConfirm();
      return;
    }
    btn.textContent = confirmLabel;
    btn.classList.add('armed');
    armed = setTimeout(() => {
      armed = undefined;
      btn.textContent = label;
      btn.classList.remove('armed');
    }, 4000);
  });
  return btn;
}

/**
 * The message `key` with names or ids (`names`: a user's or post's name, as given by people) set in it
 * as <bdi> elements: a Latin name in an Urdu, Pashto or Dari sentence (or an Arabic-script one in an
 * English sentence) keeps its own order and does not drag the punctuation around it along. The
 * sentence itself takes the page's direction.
 */
export function withNames(key: MessageKey, names: Record<string, string>, values: MessageValues = {}): Node[] {
  const slots = Object.keys(names);
  const text = t(key, { ...values, ...Object.fromEntries(slots.map((name, i) => [name, `\uE000${i}\uE001`])) });
  return text
    .split(/(\uE000\d+\uE001)/)
    .filter((part) => part !== '')
    .map((part) => {
      const slot = /^\uE000(\d+)\uE001$/.exec(part);
      return slot ? h('bdi', null, names[slots[Number(slot[1])]!]!) : document.createTextNode(part);
    });
}
