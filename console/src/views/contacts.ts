import { HotlineError } from '@hotline/client-sdk';
import type { ContactGateway, ContactRulesAnswer, ContactStep } from '@hotline/shared';
import { fill, h, setText } from '../dom.js';
import { formatSeq, isolate } from '../format.js';
import { t, tk } from '../i18n/index.js';
import type { Ctx } from './common.js';

/** A step as the editor holds it: the delay in minutes as typed. */
interface Draft {
  channel: 'push' | 'gateway';
  gateway: string;
  address: string;
  minutes: string;
}

type Field = 'channel' | 'gateway' | 'address' | 'delay';

function draftOf(s: ContactStep): Draft {
  // A number input's value: Latin digits whatever the language.
  const minutes = String(Math.round(s.delay / 600) / 100);
  return s.channel === 'push' ? { channel: 'push', gateway: '', address: '', minutes } : { channel: 'gateway', gateway: s.gateway, address: s.address, minutes };
}

/** "steps[2].delay: ..." → step 2, field delay (the server's issue lines, see docs/api.md). */
function issueAt(line: string): { index: number; field: Field } | null {
  const m = /^steps\[(\d+)\]\.(channel|gateway|address|delay)\b/.exec(line);
  return m ? { index: Number(m[1]), field: m[2] as Field } : null;
}

/**
 * The user's own contact rules (GET/PUT /api/notifications/contacts): which channels reach them, in
 * which order, after what delay while an alert is still unacknowledged. Steps are added, removed and
 * moved; saving sends them all, and what the server refuses is shown at its field (an unknown gateway,
 * a delay shorter than the step before, an address another user registered). Where the rules come
 * from (own, seeded by the deployment, its default) is said; an exercise session only reads them.
 */
export class ContactsDialog {
  readonly el: HTMLDialogElement;
  readonly #ctx: Ctx;
  readonly #body: HTMLElement;
  readonly #status: HTMLElement;
  readonly #save: HTMLButtonElement;
  #answer: ContactRulesAnswer | null = null;
  #drafts: Draft[] = [];
  #errors = new Map<string, string>();
  #busy = false;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#body = h('div', { class: 'contacts-body' });
    this.#status = h('p', { class: 'contacts-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.#save = h('button', { class: 'primary contacts-save', attrs: { type: 'submit' } }, t('ct.save'));
    const close = h('button', { class: 'contacts-close', attrs: { type: 'button' }, on: { click: () => this.el.close() } }, t('ct.close'));
    const form = h(
      'form',
      {
        class: 'contacts-box',
        attrs: { novalidate: true },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.#submit();
          },
        },
      },
      h('h2', { id: 'contacts-title' }, t('ct.title')),
      h('p', { class: 'contacts-intro' }, t('ct.intro')),
      this.#body,
      this.#status,
      h('div', { class: 'form-actions' }, close, this.#save),
    );
    this.el = h('dialog', { class: 'contacts-dialog', attrs: { 'aria-labelledby': 'contacts-title' } }, form) as HTMLDialogElement;
  }

  get readOnly(): boolean {
    return this.#ctx.model.drillOnly;
  }

  /** Opens the dialog and loads the rules as the server has them now. */
  open(): void {
    if (!this.el.open) this.el.showModal();
    this.#errors.clear();
    void this.#load();
  }

  async #load(): Promise<void> {
    this.el.dataset.state = 'loading';
    setText(this.#status, t('ct.loading'));
    this.#draw();
    try {
      this.#take(await this.#ctx.client.api<ContactRulesAnswer>('/api/notifications/contacts'));
      setText(this.#status, '');
      this.el.dataset.state = 'shown';
    } catch (err) {
      setText(this.#status, t('ct.loadFailed', { reason: (err as Error).message }));
      this.el.dataset.state = 'error';
    }
    this.#draw();
  }

  #take(answer: ContactRulesAnswer): void {
    this.#answer = answer;
    this.#drafts = answer.steps.map(draftOf);
    this.#ctx.attempts.learnGateways(answer);
  }

  #gatewayLabel(g: ContactGateway): string {
    const kind = tk('ntf.kind.', g.kind);
    if (g.name) return `${isolate(g.name)} (${kind})`;
    return g.id === g.kind ? kind : `${kind} (${isolate(g.id)})`;
  }

  #draw(): void {
    const a = this.#answer;
    this.#save.hidden = this.readOnly || !a;
    this.#save.disabled = this.#busy;
    if (!a) {
      this.#body.replaceChildren();
      return;
    }
    const ro = this.readOnly;
    const sourceNote = h(
      'p',
      { class: `contacts-source source-${a.source}`, attrs: { 'data-source': a.source } },
      tk('ct.source.', a.source),
      a.source !== 'own' && !ro ? ` ${t('ct.saveOwn')}` : null,
    );
    const rows = this.#drafts.map((d, i) => this.#row(d, i, ro));
    fill(
      this.#body,
      sourceNote,
      ro ? h('p', { class: 'readonly-note contacts-readonly' }, t('ct.readOnly')) : null,
      this.#drafts.length ? h('ol', { class: 'contact-steps' }, rows) : h('p', { class: 'empty' }, t('ct.empty')),
      ro || this.#drafts.length >= 10
        ? null
        : h(
            'button',
            {
              class: 'contacts-add',
              attrs: { type: 'button' },
              on: {
                click: () => {
                  const last = this.#drafts[this.#drafts.length - 1];
                  const g = a.gateways[0];
                  this.#drafts.push(g ? { channel: 'gateway', gateway: g.id, address: '', minutes: last?.minutes ?? '0' } : { channel: 'push', gateway: '', address: '', minutes: last?.minutes ?? '0' });
                  this.#errors.clear();
                  this.#draw();
                },
              },
            },
            t('ct.add'),
          ),
    );
  }

  #row(d: Draft, i: number, ro: boolean): HTMLElement {
    const a = this.#answer!;
    const id = (f: string) => `ct-${i}-${f}`;
    const err = (f: Field) => this.#errors.get(`${i}.${f}`);
    const errorEls = new Map<Field, HTMLElement>();
    const errorEl = (f: Field) => {
      const el = h('span', { class: 'field-error', id: id(`${f}-error`) }, err(f) ?? '');
      errorEls.set(f, el);
      return el;
    };
    /** Typing in a refused field takes its error away (the server says again on the next save). */
    const clear = (input: HTMLElement, f: Field) => {
      this.#errors.delete(`${i}.${f}`);
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      const el = errorEls.get(f);
      if (el) setText(el, '');
    };
    const invalid = (f: Field) => (err(f) ? { 'aria-invalid': 'true', 'aria-describedby': id(`${f}-error`) } : {});
    const changed = () => {
      this.#errors.delete(`${i}.channel`);
      setText(this.#status, '');
    };

    const channel = h(
      'select',
      { id: id('channel'), attrs: { name: 'channel', disabled: ro, ...invalid('channel') } },
      h('option', { attrs: { value: 'push' } }, a.push ? t('ntf.push') : t('ct.pushOff')),
      a.gateways.map((g) => h('option', { attrs: { value: `gateway:${g.id}` } }, this.#gatewayLabel(g))),
      // A gateway the rules name that is not (or no longer) offered: kept, so it is seen and can be changed.
      d.channel === 'gateway' && !a.gateways.some((g) => g.id === d.gateway) ? h('option', { attrs: { value: `gateway:${d.gateway}` } }, t('ct.unknownGateway', { id: isolate(d.gateway) })) : null,
    );
    channel.value = d.channel === 'push' ? 'push' : `gateway:${d.gateway}`;
    channel.addEventListener('change', () => {
      const v = channel.value;
      if (v === 'push') d.channel = 'push';
      else {
        d.channel = 'gateway';
        d.gateway = v.slice('gateway:'.length);
      }
      changed();
      this.#errors.delete(`${i}.gateway`);
      this.#errors.delete(`${i}.address`);
      this.#draw();
    });
    const address = h('input', { id: id('address'), attrs: { name: 'address', type: 'text', dir: 'ltr', autocomplete: 'off', readonly: ro, maxlength: 200, ...invalid('address') } });
    address.value = d.address;
    address.addEventListener('input', () => {
      d.address = address.value;
      clear(address, 'address');
      changed();
    });
    const delay = h('input', { id: id('delay'), attrs: { name: 'delay', type: 'number', min: 0, step: 'any', inputmode: 'decimal', dir: 'ltr', readonly: ro, ...invalid('delay') } });
    delay.value = d.minutes;
    delay.addEventListener('input', () => {
      d.minutes = delay.value;
      clear(delay, 'delay');
      changed();
    });
    const move = (to: number) => {
      const [s] = this.#drafts.splice(i, 1);
      this.#drafts.splice(to, 0, s!);
      this.#errors.clear();
      this.#draw();
      (this.#body.querySelector(`#ct-${to}-channel`) as HTMLElement | null)?.focus();
    };
    const tools = ro
      ? null
      : h(
          'div',
          { class: 'step-tools' },
          h('button', { class: 'step-up', attrs: { type: 'button', disabled: i === 0, 'aria-label': t('ct.upLabel', { n: formatSeq(i + 1) }) }, on: { click: () => move(i - 1) } }, t('ct.up')),
          h('button', { class: 'step-down', attrs: { type: 'button', disabled: i === this.#drafts.length - 1, 'aria-label': t('ct.downLabel', { n: formatSeq(i + 1) }) }, on: { click: () => move(i + 1) } }, t('ct.down')),
          h(
            'button',
            {
              class: 'step-remove danger',
              attrs: { type: 'button', 'aria-label': t('ct.removeLabel', { n: formatSeq(i + 1) }) },
              on: {
                click: () => {
                  this.#drafts.splice(i, 1);
                  this.#errors.clear();
                  this.#draw();
                },
              },
            },
            t('ct.remove'),
          ),
        );
    return h(
      'li',
      { class: 'contact-step', attrs: { 'data-step': i, 'data-channel': d.channel === 'push' ? 'push' : `gateway:${d.gateway}` } },
      h('span', { class: 'step-n' }, t('ct.step', { n: formatSeq(i + 1) })),
      h('div', { class: 'field f-channel' }, h('label', { attrs: { for: id('channel') } }, t('ct.channel')), channel, errorEl('channel'), errorEl('gateway')),
      d.channel === 'gateway' ? h('div', { class: 'field f-address' }, h('label', { attrs: { for: id('address') } }, t('ct.address')), address, errorEl('address')) : null,
      h('div', { class: 'field small f-delay' }, h('label', { attrs: { for: id('delay') } }, t('ct.delay')), delay, errorEl('delay')),
      tools,
    );
  }

  /** What the form says, as the PUT body; a delay that is not a number goes as is, for the server to refuse at its field. */
  #steps(): unknown[] {
    return this.#drafts.map((d) => {
      const m = Number(d.minutes.trim().replace(',', '.'));
      const delay = d.minutes.trim() === '' ? 0 : Number.isFinite(m) ? Math.round(m * 60_000) : d.minutes;
      return d.channel === 'push' ? { channel: 'push', delay } : { channel: 'gateway', gateway: d.gateway, address: d.address, delay };
    });
  }

  async #submit(): Promise<void> {
    if (this.readOnly || this.#busy || !this.#answer) return;
    this.#busy = true;
    this.#errors.clear();
    this.el.dataset.state = 'saving';
    setText(this.#status, t('ct.saving'));
    this.#draw();
    try {
      this.#take(await this.#ctx.client.apiCall<ContactRulesAnswer>('PUT', '/api/notifications/contacts', { steps: this.#steps() }));
      setText(this.#status, t('ct.saved'));
      this.el.dataset.state = 'saved';
    } catch (err) {
      this.el.dataset.state = 'refused';
      const placed = err instanceof HotlineError ? this.#place(err) : false;
      setText(this.#status, placed ? t('ct.fixFields') : t('ct.saveFailed', { reason: (err as Error).message }));
    } finally {
      this.#busy = false;
    }
    this.#draw();
  }

  /** Puts each refusal at its field; false when none could be placed. */
  #place(err: HotlineError): boolean {
    const issues = Array.isArray(err.details?.issues) ? (err.details.issues as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    for (const line of issues) {
      const at = issueAt(line);
      if (!at) continue;
      const message =
        err.details?.reason === 'address-taken'
          ? t('ct.err.addressTaken')
          : at.field === 'gateway'
            ? t('ct.err.gateway')
            : at.field === 'delay'
              ? line.includes('shorter than the step before')
                ? t('ct.err.delayOrder')
                : t('ct.err.delay')
              : at.field === 'address'
                ? t('ct.err.address')
                : t('ct.err.channel');
      this.#errors.set(`${at.index}.${at.field}`, message);
    }
    return this.#errors.size > 0;
  }
}
