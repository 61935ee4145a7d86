import type { Alert, Post } from '@hotline/shared';
import { fill, h, svg } from '../dom.js';
import { KIND_LABEL, SEVERITY_LABEL, STATE_LABEL } from '../format.js';
import type { Ctx } from './common.js';
import { formatNumber, t } from '../i18n/index.js';

/**
 * The posts, links and alerts of the user's scope, drawn as SVG from the topology alone: the border
 * line and side regions of its `map`, and each post's location. Nothing is fetched (border posts reach
 * no tile server). Open alerts pulse at their location, or at the raising post, coloured by severity.
 */

const W = 1000;

interface Projection {
  x(lon: number): number;
  y(lat: number): number;
  width: number;
  height: number;
  kmPerUnit: number;
}

function projection(points: [number, number][]): Projection {
  let minLon = Infinity;
  let maxLon = -Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of points) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  if (!Number.isFinite(minLon)) [minLon, maxLon, minLat, maxLat] = [0, 1, 0, 1];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  // Pad, and keep the frame no flatter than 2.2:1 so both sides of the border show.
  let spanLon = Math.max(maxLon - minLon, 0.05);
  let spanLat = Math.max(maxLat - minLat, 0.05);
  if (spanLat * 2.2 < spanLon * kx) spanLat = (spanLon * kx) / 2.2;
  if (spanLon * kx < spanLat * 1.2) spanLon = (spanLat * 1.2) / kx;
  const cLon = (minLon + maxLon) / 2;
  const cLat = (minLat + maxLat) / 2;
  spanLon *= 1.22;
  spanLat *= 1.35;
  const west = cLon - spanLon / 2;
  const north = cLat + spanLat / 2;
  const scale = W / (spanLon * kx);
  return {
    x: (lon) => (lon - west) * kx * scale,
    y: (lat) => (north - lat) * scale,
    width: W,
    height: spanLat * scale,
    kmPerUnit: 111.32 / scale,
  };
}

const shortName = (p: Post) => p.name.replace(/\s+Post$/i, '');

export class MapView {
  readonly el: HTMLElement;
  readonly #ctx: Ctx;
  readonly #compact: boolean;
  readonly #svg: SVGSVGElement;
  readonly #dynamic: SVGGElement;
  readonly #proj: Projection;
  readonly #upperSide: string;
  #drawn = '';

  constructor(ctx: Ctx, options: { compact?: boolean } = {}) {
    this.#ctx = ctx;
    this.#compact = options.compact ?? false;
    const { topology } = ctx.model;
    // Frame the posts in scope (an operator's crossing, a sector, everything for the joint command); the
    // border and regions run on past the frame's edges.
    const points: [number, number][] = topology.posts.map((p) => [p.location.lon, p.location.lat]);
    if (points.length < 2) for (const pt of topology.map?.border ?? []) points.push(pt);
    this.#proj = projection(points);
    // The side whose posts lie further north has its labels above its posts, the other below.
    const avgLat = (side: string) => {
      const posts = topology.posts.filter((q) => q.side === side);
      return posts.length ? posts.reduce((sum, q) => sum + q.location.lat, 0) / posts.length : 0;
    };
    const [first, second] = topology.sides;
    this.#upperSide = first && second && avgLat(second.id) > avgLat(first.id) ? second.id : (first?.id ?? '');
    const p = this.#proj;
    this.#svg = svg('svg', {
      class: this.#compact ? 'map compact' : 'map',
      viewBox: `0 0 ${p.width} ${Math.round(p.height)}`,
      preserveAspectRatio: 'xMidYMid meet',
      role: 'img',
      'aria-label': t('map.label'),
    });
    this.#dynamic = svg('g', { class: 'map-dynamic' });
    this.#svg.append(this.#base(), this.#dynamic);
    this.el = h('div', { class: this.#compact ? 'map-wrap compact' : 'map-wrap' }, this.#svg, this.#compact ? null : this.#legend());
    this.update();
  }

  /** Regions, graticule, border and scale: drawn once. */
  #base(): SVGGElement {
    const p = this.#proj;
    const { topology } = this.#ctx.model;
    const g = svg('g', { class: 'map-base' });
    g.append(svg('rect', { x: 0, y: 0, width: p.width, height: p.height, class: 'map-sea' }));
    for (const region of topology.map?.regions ?? []) {
      const side = topology.sides.find((s) => s.id === region.side);
      const d = region.polygon.map(([lon, lat], i) => `${i === 0 ? 'M' : 'L'}${p.x(lon).toFixed(1)},${p.y(lat).toFixed(1)}`).join('') + 'Z';
      g.append(svg('path', { d, class: 'map-region', fill: side?.color ?? '#555', 'data-side': region.side }));
    }
    // A faint graticule every 0.1 or 0.25 degrees, for orientation without a basemap.
    const step = p.kmPerUnit * p.width > 150 ? 0.25 : 0.1;
    const grid = svg('g', { class: 'map-grid' });
    for (let lon = Math.ceil(this.#invLon(0) / step) * step; lon < this.#invLon(p.width); lon += step) {
      grid.append(svg('line', { x1: p.x(lon), x2: p.x(lon), y1: 0, y2: p.height }));
    }
    for (let lat = Math.ceil(this.#invLat(p.height) / step) * step; lat < this.#invLat(0); lat += step) {
      grid.append(svg('line', { x1: 0, x2: p.width, y1: p.y(lat), y2: p.y(lat) }));
    }
    g.append(grid);
    const border = topology.map?.border;
    if (border && border.length >= 2) {
      const points = border.map(([lon, lat]) => `${p.x(lon).toFixed(1)},${p.y(lat).toFixed(1)}`).join(' ');
      g.append(svg('polyline', { points, class: 'map-border-halo' }), svg('polyline', { points, class: 'map-border' }));
    }
    if (!this.#compact) {
      // Side names in the top-left and bottom-left corners, by which side lies north.
      for (const side of topology.sides) {
        const y = side.id === this.#upperSide ? 38 : p.height - 24;
        g.append(svg('text', { x: 20, y, class: 'map-side-label', fill: side.color ?? '#ccc' }, side.name));
      }
      // Scale bar.
      const km = [1, 2, 5, 10, 20, 50, 100].find((k) => k / p.kmPerUnit > 90) ?? 100;
      const len = km / p.kmPerUnit;
      const y = p.height - 22;
      g.append(
        svg('line', { x1: p.width - 40 - len, x2: p.width - 40, y1: y, y2: y, class: 'map-scale' }),
        svg('text', { x: p.width - 40 - len / 2, y: y - 8, class: 'map-scale-label', 'text-anchor': 'middle' }, t('map.km', { km: formatNumber(km) })),
      );
    }
    return g;
  }

  #invLon(x: number): number {
    // x is linear in lon: solve from two samples.
    const x0 = this.#proj.x(0);
    const x1 = this.#proj.x(1);
    return (x - x0) / (x1 - x0);
  }
  #invLat(y: number): number {
    const y0 = this.#proj.y(0);
    const y1 = this.#proj.y(1);
    return (y - y0) / (y1 - y0);
  }

  #legend(): HTMLElement {
    return h(
      'div',
      { class: 'map-legend', attrs: { 'aria-hidden': 'true' } },
      ...([1, 2, 3, 4] as const).map((s) => h('span', { class: 'legend-item' }, h('i', { class: `legend-dot sev-${s}` }), `${formatNumber(s)} ${SEVERITY_LABEL[s]}`)),
      h('span', { class: 'legend-item' }, h('i', { class: 'legend-dot exercise' }), t('map.exercise')),
      h('span', { class: 'legend-item' }, h('i', { class: 'legend-post online' }), t('map.postOnline')),
      h('span', { class: 'legend-item' }, h('i', { class: 'legend-post offline' }), t('map.postOffline')),
      h('span', { class: 'legend-item' }, h('i', { class: 'legend-line' }), t('map.hotline')),
      h('span', { class: 'legend-item' }, h('i', { class: 'legend-border' }), t('map.border')),
    );
  }

  /** Redraws links, posts and alerts from the model. */
  update(): void {
    const p = this.#proj;
    const { model } = this.#ctx;
    const posts = new Map(model.topology.posts.map((q) => [q.id, q]));
    // Only open alerts are drawn: an acknowledged one no longer calls for anyone's eyes on the map.
    const active = model.activeAlerts.map((r) => r.alert).filter((a) => a.state === 'open');
    // Redraw only when something shown changed, so keyboard focus on a marker survives other updates.
    const signature = JSON.stringify([active.map((a) => [a.alertId, a.state]), [...model.presence.values()].map((q) => [q.postId, q.online])]);
    if (signature === this.#drawn) return;
    this.#drawn = signature;
    const openLinks = new Set(active.filter((a) => a.state === 'open').map((a) => a.linkId));
    const links = svg('g', { class: 'map-links' });
    // Label boxes already taken: post names first, then link names where they fit.
    const placed: { x: number; y: number; w: number; h: number }[] = [];
    for (const post of model.topology.posts) {
      const w = shortName(post).length * 11 + 8;
      const y = post.side === this.#upperSide ? p.y(post.location.lat) - 38 : p.y(post.location.lat) + 14;
      placed.push({ x: p.x(post.location.lon) - w / 2, y, w, h: 24 }, { x: p.x(post.location.lon) - 14, y: p.y(post.location.lat) - 14, w: 28, h: 28 });
    }
    for (const link of model.links) {
      const a = posts.get(link.posts[0]);
      const b = posts.get(link.posts[1]);
      if (!a || !b) continue;
      const down = [a, b].some((q) => model.presence.get(q.id)?.online === false);
      const line = svg('line', {
        x1: p.x(a.location.lon),
        y1: p.y(a.location.lat),
        x2: p.x(b.location.lon),
        y2: p.y(b.location.lat),
        class: `map-link${openLinks.has(link.id) ? ' alerting' : ''}${down ? ' down' : ''}`,
      });
      line.append(svg('title', {}, `${link.name}${openLinks.has(link.id) ? `: ${t('map.openAlert')}` : ''}${down ? ` (${t('map.postDown')})` : ''}`));
      links.append(line);
      if (!this.#compact) {
        // Along the line, at the first spot where the label does not overlap one already placed.
        const ax = p.x(a.location.lon);
        const ay = p.y(a.location.lat);
        const bx = p.x(b.location.lon);
        const by = p.y(b.location.lat);
        const w = link.name.length * 9.5 + 8;
        for (const t of [0.5, 0.35, 0.65, 0.22, 0.78]) {
          const box = { x: ax + (bx - ax) * t + 10, y: ay + (by - ay) * t - 12, w, h: 22 };
          if (placed.some((q) => box.x < q.x + q.w && q.x < box.x + box.w && box.y < q.y + q.h && q.y < box.y + box.h)) continue;
          placed.push(box);
          links.append(svg('text', { x: box.x, y: box.y + 17, class: 'map-link-label' }, link.name));
          break;
        }
      }
    }
    const postLayer = svg('g', { class: 'map-posts' });
    for (const post of model.topology.posts) {
      const x = p.x(post.location.lon);
      const y = p.y(post.location.lat);
      const side = model.side(post.side);
      const presence = model.presence.get(post.id);
      const mine = post.id === model.user.post;
      const g = svg('g', { class: `map-post${presence?.online === false ? ' offline' : ''}${mine ? ' mine' : ''}`, 'data-post': post.id });
      g.append(
        svg('circle', { cx: x, cy: y, r: (mine ? 13 : 10) * (this.#compact ? 2 : 1), fill: presence?.online === false ? 'none' : (side?.color ?? '#888'), stroke: side?.color ?? '#888' }),
        svg('title', {}, `${post.name}${presence ? `: ${presence.online ? t('hotline.online') : t('hotline.offline')}` : ''}`),
      );
      if (!this.#compact) {
        const above = post.side === this.#upperSide;
        g.append(svg('text', { x, y: above ? y - 20 : y + 34, class: 'map-post-label', 'text-anchor': 'middle' }, shortName(post)));
      }
      postLayer.append(g);
    }
    const alertLayer = svg('g', { class: 'map-alerts' });
    // Several alerts at one spot are one marker (the most severe, then the newest) with their count.
    const spots = new Map<string, { at: [number, number]; alerts: Alert[] }>();
    for (const alert of active) {
      const at = this.#where(alert, posts);
      if (!at) continue;
      const key = `${Math.round(at[0] / 6)},${Math.round(at[1] / 6)}`;
      const spot = spots.get(key) ?? { at, alerts: [] };
      spot.alerts.push(alert);
      spots.set(key, spot);
    }
    for (const { at, alerts } of spots.values()) {
      alerts.sort((x, y) => y.severity - x.severity || y.raisedAt - x.raisedAt);
      const alert = alerts[0]!;
      const [x, y] = at;
      const r = (9 + alert.severity * 4) * (this.#compact ? 2.2 : 1);
      const where = posts.get(alert.kind === 'line-fault' ? alert.counterpartPostId : alert.raiserPostId)?.name ?? '';
      const g = svg('g', {
        class: `map-alert sev-${alert.severity} state-${alert.state}${alert.drill ? ' drill' : ''}`,
        'data-alert': alert.alertId,
        tabindex: 0,
        role: 'button',
        'data-count': alerts.length,
        'aria-label': `${alerts.length > 1 ? `${t('map.alertsAtPost', { count: alerts.length, post: where })}: ` : ''}${alert.drill ? `${t('common.exercise')} ` : ''}${KIND_LABEL[alert.kind]}, ${t('map.severity', { severity: alert.severity })}, ${STATE_LABEL[alert.state]}`,
      });
      if (alert.state === 'open') g.append(svg('circle', { cx: x, cy: y, r, class: 'pulse' }), svg('circle', { cx: x, cy: y, r, class: 'pulse late' }));
      g.append(svg('circle', { cx: x, cy: y, r, class: 'core' }), svg('text', { x, y: y + r * 0.3, class: 'mark', 'text-anchor': 'middle', 'font-size': r * 0.9 }, alert.drill ? t('map.exMark') : '!'));
      g.append(svg('title', {}, `${alert.drill ? `${t('common.exercise')}: ` : ''}${KIND_LABEL[alert.kind]} (${formatNumber(alert.severity)} ${SEVERITY_LABEL[alert.severity]}), ${STATE_LABEL[alert.state]}`));
      if (alerts.length > 1) {
        const br = r * 0.55;
        g.append(
          svg('circle', { cx: x + r * 0.8, cy: y - r * 0.8, r: br, class: 'count-badge' }),
          svg('text', { x: x + r * 0.8, y: y - r * 0.8 + br * 0.35, class: 'count-text', 'text-anchor': 'middle', 'font-size': br }, formatNumber(alerts.length)),
        );
      }
      const open = () => this.#ctx.openAlert(alert.alertId);
      g.addEventListener('click', open);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          open();
        }
      });
      alertLayer.append(g);
    }
    fill(this.#dynamic, links, postLayer, alertLayer);
  }

  #where(alert: Alert, posts: Map<string, Post>): [number, number] | null {
    const p = this.#proj;
    if (alert.location) return [p.x(alert.location.lon), p.y(alert.location.lat)];
    // A line fault sits at the post that did not answer; any other alert at the post that raised it.
    const post = posts.get(alert.kind === 'line-fault' ? alert.counterpartPostId : alert.raiserPostId);
    return post ? [p.x(post.location.lon), p.y(post.location.lat)] : null;
  }
}
