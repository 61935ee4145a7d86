import { ExportVerifier, type Checkpoint, type VerifyReport } from '@hotline/shared';
import { fetchWithToken, fileStamp, localInputTime, saveFile } from '../download.js';
import { fill, h, setText } from '../dom.js';
import { formatSeq, formatTime, isolate } from '../format.js';
import { formatNumber, t, type MessageKey } from '../i18n/index.js';
import { webCryptoVerify } from '../webcrypto-verify.js';
import { groupedKeyId } from './about.js';
import type { Ctx } from './common.js';

/** Counts of a verification, in the order and words the view shows them. */
const COUNT_LABEL: [keyof VerifyReport['counts'], MessageKey][] = [
  ['entries', 'rec.count.entries'],
  ['signed', 'rec.count.signed'],
  ['unsigned', 'rec.count.unsigned'],
  ['serverEntries', 'rec.count.serverEntries'],
  ['keys', 'rec.count.keys'],
  ['checkpoints', 'rec.count.checkpoints'],
  ['quotesChecked', 'rec.count.quotesChecked'],
];

interface RunMeta {
  linkId: string;
  bytes: number;
  /** This console's own checkpoint of the link, checked against the export's entry at its seq. */
  own: { cp: Checkpoint; seen: 'agrees' | 'differs' | 'outside' } | null;
  pinned: string | null;
}

/**
 * The record of a link, verified in the browser (monitors, admins, commanders in scope): pick a link
 * and an optional range, fetch GET /api/links/:id/export with the token, and run the export through the
 * shared ExportVerifier on WebCrypto as it streams in, with progress. Then INTACT with the counts, or
 * NOT INTACT with the first bad entry and why; the export itself is offered as a download. The console
 * also checks the export against the server checkpoint it holds itself, and pins the server key it
 * pinned on first contact.
 */
export class RecordView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #link: HTMLSelectElement;
  readonly #fromSeq: HTMLInputElement;
  readonly #toSeq: HTMLInputElement;
  readonly #from: HTMLInputElement;
  readonly #to: HTMLInputElement;
  readonly #verify: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  readonly #download: HTMLButtonElement;
  readonly #progress: HTMLProgressElement;
  readonly #status: HTMLElement;
  readonly #result: HTMLElement;
  readonly #pinned: () => string | null;
  #abort: AbortController | null = null;
  #file: { name: string; blob: Blob } | null = null;

  constructor(ctx: Ctx, options: { pinnedServerKey: () => string | null }) {
    this.#ctx = ctx;
    this.#pinned = options.pinnedServerKey;
    const { model } = ctx;
    this.#link = h('select', { attrs: { name: 'record-link', id: 'record-link' }, on: { change: () => ctx.requestRender() } }, model.links.map((l) => h('option', { attrs: { value: l.id } }, `${l.name} (${l.id})`)));
    const num = (name: string, label: string) => h('input', { attrs: { name, type: 'number', min: 1, step: 1, inputmode: 'numeric', 'aria-label': label, placeholder: t('rec.any') } });
    const time = (name: string, label: string) => h('input', { attrs: { name, type: 'datetime-local', 'aria-label': label } });
    this.#fromSeq = num('fromSeq', t('rec.fromSeq'));
    this.#toSeq = num('toSeq', t('rec.toSeq'));
    this.#from = time('from', t('rec.fromTime'));
    this.#to = time('to', t('rec.toTime'));
    this.#verify = h('button', { class: 'primary verify-btn', attrs: { type: 'submit' } }, t('rec.verify'));
    this.#cancel = h('button', { attrs: { type: 'button', hidden: true }, on: { click: () => this.#abort?.abort() } }, t('rec.stop'));
    this.#download = h(
      'button',
      { class: 'download-btn', attrs: { type: 'button', hidden: true }, on: { click: () => this.#file && saveFile(this.#file.name, this.#file.blob) } },
      t('rec.download', { ext: isolate('.ndjson') }),
    );
    this.#progress = h('progress', { attrs: { max: 1, value: 0, hidden: true, 'aria-label': t('rec.progress') } });
    this.#status = h('p', { class: 'record-status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.#result = h('div', { class: 'record-result' });
    const form = h(
      'form',
      {
        class: 'record-form',
        attrs: { 'aria-label': t('rec.form') },
        on: {
          submit: (ev) => {
            ev.preventDefault();
            void this.#run();
          },
        },
      },
      h('div', { class: 'field' }, h('label', { attrs: { for: 'record-link' } }, t('rec.link')), this.#link),
      h(
        'fieldset',
        { class: 'range' },
        h('legend', null, t('rec.range')),
        h('label', { class: 'field small' }, h('span', null, t('rec.fromSeq')), this.#fromSeq),
        h('label', { class: 'field small' }, h('span', null, t('rec.toSeq')), this.#toSeq),
        h('label', { class: 'field' }, h('span', null, t('rec.fromTime')), this.#from),
        h('label', { class: 'field' }, h('span', null, t('rec.toTime')), this.#to),
      ),
      h('div', { class: 'record-actions' }, this.#verify, this.#cancel, this.#download),
    );
    this.el = h(
      'section',
      { class: 'record-view', attrs: { 'aria-label': t('tab.record') } },
      h(
        'div',
        { class: 'record-intro' },
        h('h2', null, t('rec.title')),
        h('p', null, t('rec.intro')),
      ),
      form,
      this.#progress,
      this.#status,
      this.#result,
    );
  }

  get selected(): string {
    return this.#link.value;
  }

  select(linkId: string): void {
    if (this.#ctx.model.link(linkId)) this.#link.value = linkId;
  }

  async #run(): Promise<void> {
    if (this.#abort) return;
    const linkId = this.#link.value;
    const params = new URLSearchParams();
    const fromSeq = Number(this.#fromSeq.value);
    const toSeq = Number(this.#toSeq.value);
    if (this.#fromSeq.value && fromSeq >= 1) params.set('fromSeq', String(Math.floor(fromSeq)));
    if (this.#toSeq.value && toSeq >= 1) params.set('toSeq', String(Math.floor(toSeq)));
    const from = localInputTime(this.#from.value);
    const to = localInputTime(this.#to.value);
    if (from !== undefined) params.set('from', String(from));
    if (to !== undefined) params.set('to', String(to + 59_999)); // the whole minute the input names
    const abort = new AbortController();
    this.#abort = abort;
    this.#file = null;
    this.#verify.disabled = true;
    this.#cancel.hidden = false;
    this.#download.hidden = true;
    this.#progress.hidden = false;
    this.#progress.removeAttribute('value'); // indeterminate until the header says how many
    this.#result.replaceChildren();
    this.el.dataset.state = 'running';
    setText(this.#status, t('rec.fetching'));
    const pinned = this.#pinned();
    const own = this.#ctx.client.checkpoint(linkId);
    const verifier = new ExportVerifier(webCryptoVerify(), pinned ? { serverKeyId: pinned } : {});
    const chunks: string[] = [];
    let ownSeen: NonNullable<RunMeta['own']>['seen'] = 'outside';
    let bytes = 0;
    let lines = 0;
    let expected = 0;
    const started = performance.now();
    let lastPaint = 0;
    try {
      const res = await fetchWithToken(`/api/links/${encodeURIComponent(linkId)}/export?${params}`, this.#ctx.client.token, abort.signal);
      if (!res.body) throw new Error(t('rec.noStream'));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      const feed = async (line: string) => {
        lines++;
        if (lines === 1) {
          try {
            const header = JSON.parse(line) as { range?: { fromSeq?: number; toSeq?: number } };
            expected = Math.max(0, (header.range?.toSeq ?? 0) - (header.range?.fromSeq ?? 1) + 1);
          } catch {
            // The verifier says what is wrong with it.
          }
        }
        if (own && line.startsWith('{"kind":"entry"') && line.includes(`"seq":${own.seq},`)) {
          const entry = (JSON.parse(line) as { entry: { seq: number; hash: string } }).entry;
          if (entry.seq === own.seq) ownSeen = entry.hash === own.hash ? 'agrees' : 'differs';
        }
        await verifier.line(line);
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length; // characters: close enough for progress
        buffer += value;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          await feed(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
        const now = performance.now();
        if (now - lastPaint > 100) {
          lastPaint = now;
          this.#paintProgress(verifier.report.counts.entries, expected, bytes, verifier.failed);
          await new Promise((r) => setTimeout(r, 0)); // let the page breathe on a long log
        }
      }
      if (buffer.trim() !== '') await feed(buffer);
    } catch (err) {
      this.#finish();
      const aborted = abort.signal.aborted;
      setText(this.#status, aborted ? t('rec.stopped') : t('rec.fetchFailed', { reason: (err as Error).message }));
      this.el.dataset.state = aborted ? 'stopped' : 'error';
      return;
    }
    const report = verifier.finish();
    const link = this.#ctx.model.link(linkId);
    const blob = new Blob(chunks, { type: 'application/x-ndjson' });
    this.#file = { name: `${linkId}-${fileStamp()}.ndjson`, blob };
    this.#finish();
    this.#download.hidden = false;
    this.#progress.max = Math.max(1, expected);
    this.#progress.value = report.counts.entries;
    const seconds = (performance.now() - started) / 1000;
    setText(
      this.#status,
      t(report.ok ? 'rec.done' : 'rec.doneStopped', {
        link: isolate(link?.name ?? linkId),
        count: expected,
        size: formatBytes(blob.size),
        seconds: formatNumber(seconds, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      }),
    );
    this.#showResult(report, { linkId, bytes: blob.size, own: own ? { cp: own, seen: ownSeen } : null, pinned });
  }

  #paintProgress(done: number, expected: number, bytes: number, failed: boolean): void {
    if (expected > 0) {
      this.#progress.max = expected;
      this.#progress.value = Math.min(done, expected);
    }
    setText(
      this.#status,
      failed
        ? t('rec.problemAt', { seq: formatSeq(done + 1), size: formatBytes(bytes) })
        : expected
          ? t('rec.progressOf', { done: formatNumber(done), expected: formatNumber(expected), size: formatBytes(bytes) })
          : t('rec.progressAny', { done: formatNumber(done), size: formatBytes(bytes) }),
    );
  }

  #finish(): void {
    this.#abort = null;
    this.#verify.disabled = false;
    this.#cancel.hidden = true;
  }

  #showResult(report: VerifyReport, meta: RunMeta): void {
    const { model } = this.#ctx;
    const ownDiffers = meta.own?.seen === 'differs';
    const intact = report.ok && !ownDiffers;
    this.el.dataset.state = intact ? 'intact' : 'not-intact';
    const link = model.link(meta.linkId);
    const range = report.range.fromSeq !== null ? t('rec.rangeEntries', { from: formatSeq(report.range.fromSeq), to: formatSeq(report.range.toSeq ?? report.range.fromSeq) }) : t('rec.noEntries');
    const firstBad = report.firstBad
      ? report.firstBad.seq !== null
        ? t('rec.firstBadEntry', { seq: formatSeq(report.firstBad.seq), line: formatSeq(report.firstBad.line), reason: report.firstBad.reason })
        : t('rec.firstBadExport', { line: formatSeq(report.firstBad.line), reason: report.firstBad.reason })
      : ownDiffers && meta.own
        ? t('rec.firstBadOwn', { seq: formatSeq(meta.own.cp.seq), time: new Date(meta.own.cp.ts).toISOString() })
        : null;
    const badSeq = report.firstBad ? report.firstBad.seq : ownDiffers ? (meta.own?.cp.seq ?? null) : null;
    fill(
      this.#result,
      h(
        'div',
        {
          class: `verify-result ${intact ? 'intact' : 'not-intact'}`,
          attrs: { 'data-result': intact ? 'intact' : 'not-intact', 'data-bad-seq': badSeq ?? undefined, role: 'region', 'aria-label': t('rec.result') },
        },
        h('p', { class: 'verdict' }, intact ? t('rec.intact') : t('rec.notIntact')),
        h(
          'p',
          { class: 'verdict-line' },
          intact
            ? t('rec.intactLine', { link: isolate(link?.name ?? meta.linkId), id: isolate(meta.linkId), range })
            : t('rec.notIntactLine', { link: isolate(link?.name ?? meta.linkId), id: isolate(meta.linkId) }),
        ),
        firstBad ? h('p', { class: 'first-bad' }, firstBad) : null,
        !intact && report.counts.entries > 0 ? h('p', { class: 'verified-before' }, t('rec.verifiedBefore', { count: report.counts.entries })) : null,
        report.counts.unsigned > 0
          ? h('p', { class: 'unsigned-note' }, t('rec.unsignedNote', { count: report.counts.unsigned }))
          : null,
      ),
      h(
        'table',
        { class: 'report-table counts-table' },
        h('caption', null, t('rec.checked')),
        h(
          'tbody',
          null,
          COUNT_LABEL.map(([key, label]) => h('tr', { attrs: { 'data-count': key } }, h('th', { attrs: { scope: 'row' } }, t(label)), h('td', null, formatNumber(report.counts[key] as number)))),
        ),
      ),
      h(
        'table',
        { class: 'report-table types-table' },
        h('caption', null, t('rec.byType')),
        h(
          'tbody',
          null,
          Object.entries(report.counts.byType)
            .sort((a, b) => b[1] - a[1])
            .map(([type, n]) => h('tr', { attrs: { 'data-type': type } }, h('th', { attrs: { scope: 'row' } }, type), h('td', null, formatNumber(n)))),
        ),
      ),
      h(
        'dl',
        { class: 'facts record-facts' },
        h('dt', null, t('rec.head')),
        h('dd', null, report.head ? t('rec.headValue', { seq: formatSeq(report.head.seq), hash: isolate(report.head.hash) }) : '—'),
        h('dt', null, t('rec.serverKey')),
        h(
          'dd',
          null,
          report.serverKeyId ? h('code', { class: 'server-key-id' }, groupedKeyId(report.serverKeyId)) : t('rec.noneNamed'),
          ` ${meta.pinned ? (meta.pinned === report.serverKeyId ? t('rec.pinnedSame') : t('rec.pinnedOther')) : t('rec.pinnedNone')}`,
        ),
        h('dt', null, t('rec.ownCheckpoint')),
        h(
          'dd',
          { class: `own-checkpoint own-${meta.own?.seen ?? 'none'}` },
          meta.own
            ? t('rec.ownValue', {
                seq: formatSeq(meta.own.cp.seq),
                time: formatTime(meta.own.cp.ts),
                verdict: meta.own.seen === 'agrees' ? t('rec.ownAgrees') : meta.own.seen === 'differs' ? t('rec.ownDiffers') : t('rec.ownOutside'),
              })
            : t('rec.ownNone'),
        ),
        h('dt', null, t('rec.export')),
        h('dd', null, t('rec.exportValue', { size: formatBytes(meta.bytes) })),
      ),
    );
  }
}

/** "512 B", "3.4 kB", "1.2 MB", in the language's digits and unit words. */
function formatBytes(n: number): string {
  const one = (v: number) => formatNumber(v, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return n < 1024 ? t('rec.bytes', { n: formatNumber(n) }) : n < 1024 * 1024 ? t('rec.kB', { n: one(n / 1024) }) : t('rec.MB', { n: one(n / 1024 / 1024) });
}
