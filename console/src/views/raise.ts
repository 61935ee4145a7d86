import type { AlertKind, AlertRaiseRequest, Severity } from '@hotline/shared';
import { LIMITS } from '@hotline/shared/core';
import { h, setText } from '../dom.js';
import { KIND_LABEL, RAISABLE_KINDS, SEVERITY_LABEL } from '../format.js';
import type { Ctx } from './common.js';
import { formatNumber, inLanguages, languageOfTag, loadCatalog, t } from '../i18n/index.js';

/**
 * The raise-alert form: one click away (header button or Alt+R), sendable in two more: pick the kind
 * (severity starts at High), press RAISE. Description and location are optional; the alert goes into
 * the outbox at once, so it is raised the moment the line allows.
 */
export class RaiseDialog {
  readonly el: HTMLDialogElement;
  readonly #ctx: Ctx;
  readonly #form: HTMLFormElement;
  readonly #link: HTMLSelectElement;
  readonly #linkRow: HTMLElement;
  readonly #description: HTMLTextAreaElement;
  readonly #drill: HTMLInputElement;
  readonly #lat: HTMLInputElement;
  readonly #lon: HTMLInputElement;
  readonly #label: HTMLInputElement;
  readonly #coords: HTMLElement;
  readonly #error: HTMLElement;
  readonly #submit: HTMLButtonElement;

  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    const { model } = ctx;
    this.#link = h('select', { attrs: { name: 'link', 'aria-label': t('raise.hotline') } }, model.writableLinks.map((l) => h('option', { attrs: { value: l.id } }, l.name)));
    this.#linkRow = h('label', { class: 'field' }, h('span', null, t('raise.hotline')), this.#link);
    const kinds = h(
      'fieldset',
      { class: 'tiles kinds' },
      h('legend', null, t('raise.what')),
      RAISABLE_KINDS.map((k) => h('label', { class: 'tile' }, h('input', { attrs: { type: 'radio', name: 'kind', value: k, required: true } }), h('span', null, KIND_LABEL[k]))),
    );
    const severities = h(
      'fieldset',
      { class: 'tiles severities' },
      h('legend', null, t('raise.severity')),
      ([1, 2, 3, 4] as const).map((s) =>
        h('label', { class: `tile sev-${s}` }, h('input', { attrs: { type: 'radio', name: 'severity', value: s, checked: s === 3 } }), h('span', null, `${formatNumber(s)} ${SEVERITY_LABEL[s]}`)),
      ),
    );
    this.#description = h('textarea', {
      attrs: { name: 'description', dir: 'auto', rows: 1, maxlength: LIMITS.ALERT_TEXT_MAX, placeholder: t('raise.descPlaceholder') },
    });
    this.#lat = h('input', { attrs: { name: 'lat', type: 'number', step: 'any', min: -90, max: 90, inputmode: 'decimal', 'aria-label': t('raise.lat') } });
    this.#lon = h('input', { attrs: { name: 'lon', type: 'number', step: 'any', min: -180, max: 180, inputmode: 'decimal', 'aria-label': t('raise.lon') } });
    this.#label = h('input', { attrs: { name: 'label', type: 'text', maxlength: 200, dir: 'auto', 'aria-label': t('raise.placeName'), placeholder: t('raise.placePlaceholder') } });
    this.#coords = h(
      'div',
      { class: 'coords', attrs: { hidden: true } },
      h('label', { class: 'field small' }, h('span', null, t('raise.lat')), this.#lat),
      h('label', { class: 'field small' }, h('span', null, t('raise.lon')), this.#lon),
      h('label', { class: 'field' }, h('span', null, t('raise.place')), this.#label),
    );
    const where = h(
      'fieldset',
      { class: 'where' },
      h('legend', null, t('raise.where')),
      h('label', { class: 'inline' }, h('input', { attrs: { type: 'radio', name: 'where', value: 'post', checked: true } }), t('raise.atPost')),
      h('label', { class: 'inline' }, h('input', { attrs: { type: 'radio', name: 'where', value: 'coords' } }), t('raise.atCoords')),
      this.#coords,
    );
    where.addEventListener('change', () => {
      this.#coords.hidden = this.#value('where') !== 'coords';
    });
    this.#drill = h('input', { attrs: { type: 'checkbox', name: 'drill' } });
    this.#drill.addEventListener('change', () => this.#syncLook());
    this.#error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
    this.#submit = h('button', { class: 'raise-submit', attrs: { type: 'submit' } }, t('raise.submit'));
    this.#form = h(
      'form',
      {
        class: 'raise-form',
        on: {
          submit: (ev) => {
            ev.preventDefault();
            this.#send();
          },
        },
      },
      h('h2', { id: 'raise-title' }, t('raise.title')),
      this.#linkRow,
      kinds,
      severities,
      h('label', { class: 'field' }, h('span', null, t('raise.description')), this.#description),
      where,
      h('label', { class: 'exercise-toggle' }, this.#drill, h('span', null, t('raise.exercise'))),
      this.#error,
      h('div', { class: 'form-actions' }, h('button', { class: 'secondary', attrs: { type: 'button' }, on: { click: () => this.el.close() } }, t('raise.cancel')), this.#submit),
    );
    this.el = h('dialog', { class: 'raise-dialog', attrs: { 'aria-labelledby': 'raise-title' } }, this.#form) as HTMLDialogElement;
  }

  open(linkId?: string): void {
    const { model } = this.#ctx;
    if (model.writableLinks.length === 0) return;
    this.#form.reset();
    this.#coords.hidden = true;
    setText(this.#error, '');
    if (linkId && model.writableLinks.some((l) => l.id === linkId)) this.#link.value = linkId;
    this.#linkRow.hidden = model.writableLinks.length < 2;
    if (model.drillOnly) {
      this.#drill.checked = true;
      this.#drill.disabled = true;
    }
    this.#syncLook();
    // The posts' languages, for a description left empty (`inLanguages`): fetched while the form is
    // filled in; one not here by the time it is sent is left out (English is always there).
    for (const l of model.writableLinks) {
      for (const tag of l.posts.flatMap((p) => model.sideOfPost(p)?.languages ?? [])) {
        const lang = languageOfTag(tag);
        if (lang) void loadCatalog(lang).catch(() => undefined);
      }
    }
    this.el.showModal();
    (this.#form.querySelector('input[name="kind"]') as HTMLInputElement | null)?.focus();
  }

  #value(name: string): string | null {
    const el = this.#form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`);
    return el ? el.value : null;
  }

  #syncLook(): void {
    this.#form.classList.toggle('drill', this.#drill.checked);
    setText(this.#submit, this.#drill.checked ? t('raise.submitExercise') : t('raise.submit'));
  }

  #send(): void {
    const { model, client } = this.#ctx;
    const kind = this.#value('kind') as Exclude<AlertKind, 'line-fault'> | null;
    if (!kind) {
      setText(this.#error, t('raise.chooseKind'));
      (this.#form.querySelector('input[name="kind"]') as HTMLInputElement | null)?.focus();
      return;
    }
    const severity = Number(this.#value('severity') ?? 3) as Severity;
    const linkId = this.#link.value;
    const link = model.link(linkId);
    if (!link) return;
    const req: Omit<AlertRaiseRequest, 'clientAlertId'> = {
      linkId,
      kind,
      severity,
      // No description given: the kind, in both sides' languages (the other post reads it in its own).
      description: this.#description.value.trim() || inLanguages(`kind.${kind}`, link.posts.flatMap((p) => model.sideOfPost(p)?.languages ?? [])),
      occurredAt: Math.round(this.#ctx.serverNow()),
      drill: this.#drill.checked,
    };
    if (this.#value('where') === 'coords') {
      const lat = this.#lat.valueAsNumber;
      const lon = this.#lon.valueAsNumber;
      if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
        setText(this.#error, t('raise.badCoords'));
        this.#lat.focus();
        return;
      }
      const label = this.#label.value.trim();
      req.location = label ? { lat, lon, label } : { lat, lon };
    }
    // Into the persistent outbox at once; refusals come back as 'failed' notices.
    client.raiseAlert(req).catch(() => undefined);
    this.el.close();
    this.#ctx.notify({
      key: 'raised',
      level: 'info',
      text: client.status === 'connected' ? t(req.drill ? 'raise.raisedExercise' : 'raise.raised', { kind: KIND_LABEL[kind] }) : t('raise.queued', { kind: KIND_LABEL[kind] }),
      ttlMs: 6000,
    });
    this.#ctx.requestRender();
  }
}
