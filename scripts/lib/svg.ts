/** Small inline-SVG charts for self-contained HTML reports (no scripts, no external files). */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

export interface BarChartOptions {
  title: string;
  categories: string[];
  series: BarSeries[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Shown instead of the chart when every value is 0. */
  emptyText?: string;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A stacked bar chart: one bar per category, one colour per series. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 280;
  const m = { top: 34, right: 16, bottom: 58, left: 56 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const totals = o.categories.map((_, i) => o.series.reduce((s, ser) => s + (ser.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const n = Math.max(1, o.categories.length);
  const slot = w / n;
  const bar = Math.max(1, slot * 0.8);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`);
  parts.push(`<text x="${m.left}" y="18" font-size="14" font-weight="600">${escapeHtml(o.title)}</text>`);
  if (totals.every((t) => t === 0)) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#777" font-size="13">${escapeHtml(o.emptyText ?? 'nothing to show')}</text></svg>`);
    return parts.join('');
  }
  // y grid and ticks
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = m.top + h - (h * i) / 4;
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#555">${Number(v.toPrecision(3))}</text>`);
  }
  // bars
  o.categories.forEach((cat, i) => {
    let y = m.top + h;
    const x = m.left + i * slot + (slot - bar) / 2;
    for (const ser of o.series) {
      const v = ser.values[i] ?? 0;
      if (v <= 0) continue;
      const bh = (h * v) / max;
      y -= bh;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${bh.toFixed(1)}" fill="${ser.color}"><title>${escapeHtml(`${cat}: ${ser.name} ${v}`)}</title></rect>`);
    }
  });
  // x labels, thinned so they do not overlap
  const every = Math.max(1, Math.ceil((n * 44) / w));
  o.categories.forEach((cat, i) => {
    if (i % every !== 0) return;
    const x = m.left + i * slot + slot / 2;
    parts.push(`<text x="${x.toFixed(1)}" y="${m.top + h + 14}" text-anchor="middle" font-size="10" fill="#555">${escapeHtml(cat)}</text>`);
  });
  parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="#888"/>`);
  parts.push(`<text x="${m.left + w / 2}" y="${height - 22}" text-anchor="middle" font-size="11" fill="#333">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#333">${escapeHtml(o.yLabel)}</text>`);
  // legend
  let lx = m.left;
  for (const ser of o.series) {
    parts.push(`<rect x="${lx}" y="${height - 12}" width="10" height="10" fill="${ser.color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${height - 3}" font-size="11">${escapeHtml(ser.name)}</text>`);
    lx += 24 + ser.name.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}
