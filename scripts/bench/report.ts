/** Bench results: the JSON kept per run, the table printed and recorded in docs/benchmarks.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { EscalationResult } from './escalation.js';
import type { MemoryResult } from './memory.js';
import type { RelayResult, RelayStep } from './relay.js';
import type { ResumeResult } from './resume.js';
import type { StormResult } from './storm.js';
import type { LinksResult } from './links.js';
import type { FieldResult } from './field.js';

export interface BenchEnvironment {
  commit: string;
  dirty: boolean;
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  /** 1-minute load average at the start and end of the run. */
  load: { start: number; end: number };
  /** Linux CPU pressure (PSI "some avg60", % of time tasks waited for a CPU) at the start and end; null if unavailable. */
  cpuPressure: { start: number | null; end: number | null };
  redis: string;
  aof: boolean;
  /** The relay's consoles did not sign their actions (--unsigned). */
  unsigned?: boolean;
  /**
   * What the relay's load generator signs and hashes with: node:crypto (the default since it was added)
   * or WebCrypto (--generator-crypto webcrypto, as every run before). Absent in older results: WebCrypto.
   */
  generatorCrypto?: 'node' | 'webcrypto';
}

export interface BenchResults {
  tool: 'hotline-bench';
  version: 1;
  env: BenchEnvironment;
  options: Record<string, unknown>;
  durationMs: number;
  relay?: RelayResult;
  escalation?: EscalationResult;
  resume?: ResumeResult;
  memory?: MemoryResult;
  storm?: StormResult;
  links?: LinksResult;
  field?: FieldResult;
  /** Each target with its verdict (null when its section did not run). */
  targets: { name: string; value: number | null; target: string; met: boolean | null }[];
}

const TARGETS = {
  /** This round's relay target (the longer-term one is 0.75). */
  relayRatio: 0.5,
  /** Server CPU per message, full / bare, at the highest rate both sustained. */
  relayCpuRatio: 1.2,
  latenessRatio: 1.2,
  /** Escalation lateness p99 with Redis at hz 100, ms. */
  latenessP99Ms: 20,
  memoryRatio: 1.5,
};

export function evaluateTargets(r: Omit<BenchResults, 'targets'>): BenchResults['targets'] {
  const t: BenchResults['targets'] = [];
  t.push({ name: 'relay: full / bare sustained rate', value: r.relay?.ratio ?? null, target: `≥ ${TARGETS.relayRatio}`, met: r.relay ? (r.relay.ratio ?? 0) >= TARGETS.relayRatio : null });
  const cpu = r.relay?.cpuUsPerMessage;
  const cpuRatio = cpu?.full && cpu.bare ? cpu.full.server / cpu.bare.server : null;
  t.push({ name: 'relay: server CPU per message full / bare', value: cpuRatio, target: `≤ ${TARGETS.relayCpuRatio}`, met: r.relay ? cpuRatio !== null && cpuRatio <= TARGETS.relayCpuRatio : null });
  t.push({
    name: 'escalation: lateness p99 full / bare',
    value: r.escalation?.latenessRatio ?? null,
    target: `≤ ${TARGETS.latenessRatio}`,
    met: r.escalation ? r.escalation.latenessRatio !== null && r.escalation.latenessRatio <= TARGETS.latenessRatio : null,
  });
  const e = r.escalation;
  t.push({
    name: 'escalation: lateness p99 (full), ms',
    value: e?.full.latenessMs.p99 ?? null,
    target: `≤ ${TARGETS.latenessP99Ms}`,
    met: e ? e.full.latenessMs.p99 !== null && e.full.latenessMs.p99 <= TARGETS.latenessP99Ms : null,
  });
  t.push({
    name: 'escalation: lost + duplicated + after-ack (full)',
    value: e ? e.full.lost + e.full.duplicates + e.full.afterAck : null,
    target: '= 0',
    met: e ? e.full.lost + e.full.duplicates + e.full.afterAck === 0 : null,
  });
  t.push({ name: 'memory: per console full / bare', value: r.memory?.ratio ?? null, target: `≤ ${TARGETS.memoryRatio}`, met: r.memory ? r.memory.ratio <= TARGETS.memoryRatio : null });
  return t;
}

const n = (v: number | null | undefined, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const verdict = (met: boolean | null) => (met === null ? '' : met ? 'met' : '**missed**');

/** The summary table (Markdown; readable as plain text too). */
export function summaryTable(r: BenchResults): string {
  const rows: string[][] = [];
  const target = (name: string) => r.targets.find((t) => t.name === name)!;
  if (r.relay) {
    const rel = r.relay;
    const at = (system: RelayStep['system'], rate: number) => [...rel.steps].reverse().find((s) => s.system === system && s.rate === rate && s.pass);
    const f = at('full', rel.sustained.full);
    const b = at('bare', rel.sustained.bare);
    const t = target('relay: full / bare sustained rate');
    rows.push([
      `Hotline relay: highest rate with p99 ≤ ${rel.p99LimitMs} ms (${rel.pairs} pairs, 2 nodes)`,
      `${rel.sustained.full} msg/s (p50 ${ms(f?.p50)} / p99 ${ms(f?.p99)} ms)`,
      `${rel.sustained.bare} msg/s (p50 ${ms(b?.p50)} / p99 ${ms(b?.p99)} ms)`,
      n(rel.ratio, 2),
      `${t.target} ${verdict(t.met)}`,
    ]);
    if (rel.sustained.append !== undefined) {
      const a = at('append', rel.sustained.append);
      rows.push([
        'Hotline relay, second baseline: bare + append to a Redis stream',
        `full: ${rel.sustained.full} msg/s`,
        `${rel.sustained.append} msg/s (p50 ${ms(a?.p50)} / p99 ${ms(a?.p99)} ms)`,
        n(rel.sustained.append > 0 ? rel.sustained.full / rel.sustained.append : null, 2),
        '',
      ]);
    }
  }
  if (r.relay?.cpuUsPerMessage?.full && r.relay.cpuUsPerMessage.bare) {
    const c = r.relay.cpuUsPerMessage;
    rows.push([
      `Hotline relay: CPU per message at ${c.rate} msg/s, nodes + Redis [of which Redis] (load generator)`,
      `${c.full!.server} µs${redisOf(c.full!)} (${c.full!.generator} µs)`,
      `${c.bare!.server} µs${redisOf(c.bare!)} (${c.bare!.generator} µs)${c.append ? `; bare + append ${c.append.server} µs${redisOf(c.append)} (${c.append.generator} µs)` : ''}`,
      n(c.full!.server / c.bare!.server, 2),
      (() => {
        const t = target('relay: server CPU per message full / bare');
        return `${t.target} ${verdict(t.met)}`;
      })(),
    ]);
  }
  if (r.relay?.idleCpu) {
    const i = r.relay.idleCpu;
    const rate = r.relay.cpuUsPerMessage?.rate;
    rows.push([
      `… the nodes idle with every console connected (heartbeats, presence, timers), CPU ms per second${rate ? ` (µs per message at ${rate} msg/s)` : ''}`,
      `${i.full} ms/s${rate ? ` (${Math.round((i.full * 1000) / rate)} µs)` : ''}`,
      `${i.bare} ms/s${rate ? ` (${Math.round((i.bare * 1000) / rate)} µs)` : ''}`,
      '',
      '',
    ]);
  }
  if (r.relay?.signatureFloor) {
    const f = r.relay.signatureFloor;
    rows.push([
      `… what the signatures alone leave reachable on ${f.cores} cores: ECDSA P-256 sign ${f.signUs} µs (console) + verify ${f.verifyUs} µs (node) per message, added to the bare relay's ${n(f.bareTotalUs)} µs (nodes, Redis, load generator)`,
      `at most ${n(f.ceilingRate)} msg/s; server CPU ratio at least ${n(f.cpuRatioFloor, 2)}`,
      '',
      n(f.ceilingRatio, 2),
      '',
    ]);
  }
  if (r.escalation) {
    const e = r.escalation;
    const t = target('escalation: lateness p99 full / bare');
    const z = target('escalation: lost + duplicated + after-ack (full)');
    const p = target('escalation: lateness p99 (full), ms');
    const hz = e.redisHz ?? 10;
    rows.push([
      `Escalation lateness p50 / p99 / max (${e.count} timers, half acknowledged; Redis hz ${hz})`,
      `${ms(e.full.latenessMs.p50)} / ${ms(e.full.latenessMs.p99)} / ${ms(e.full.latenessMs.max)} ms`,
      `${ms(e.bare.latenessMs.p50)} / ${ms(e.bare.latenessMs.p99)} / ${ms(e.bare.latenessMs.max)} ms`,
      n(e.latenessRatio, 2),
      `${t.target} ${verdict(t.met)}; p99 ${p.target} ms ${verdict(p.met)}`,
    ]);
    if (e.bareHz10) {
      rows.push([
        '… bare BullMQ again with Redis at its default hz 10: lateness p50 / p99 / max',
        '',
        `${ms(e.bareHz10.latenessMs.p50)} / ${ms(e.bareHz10.latenessMs.p99)} / ${ms(e.bareHz10.latenessMs.max)} ms`,
        '',
        '',
      ]);
    }
    if (e.idleRedisCpu) {
      const pct = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} %`);
      rows.push([
        `Redis CPU (% of one core): during the timers at hz ${hz}${e.bareHz10 ? ' (bare: hz 100 / hz 10)' : ''}; idle with the nodes connected, hz 10 → ${hz}`,
        `${pct(e.full.redisCpuPercent)}`,
        `${pct(e.bare.redisCpuPercent)}${e.bareHz10 ? ` / ${pct(e.bareHz10.redisCpuPercent)}` : ''}; idle ${pct(e.idleRedisCpu.hz10)} → ${pct(e.idleRedisCpu.hz)}`,
        '',
        '',
      ]);
    }
    rows.push([
      'Escalations lost / duplicated / after an ack',
      `${e.full.lost} / ${e.full.duplicates} / ${e.full.afterAck} (of ${e.full.expected})`,
      `${e.bare.lost} / ${e.bare.duplicates} / ${e.bare.afterAck} (of ${e.bare.expected})`,
      '',
      `0 / 0 / 0 ${verdict(z.met)}`,
    ]);
    rows.push([
      'Ack-to-cancel: `alert:ack` incl. removing the pending job vs bare `queue.remove`, one at a time, p50 / p99',
      `${ms(e.full.cancelMs.p50)} / ${ms(e.full.cancelMs.p99)} ms`,
      `${ms(e.bare.cancelMs.p50)} / ${ms(e.bare.cancelMs.p99)} ms`,
      n(e.cancelRatio, 1),
      '',
    ]);
    rows.push([
      `… the same during the run (raises at up to ${e.raiseRate.target}/s; the service raised ${e.raiseRate.achieved}/s)`,
      `${ms(e.full.cancelUnderLoadMs.p50)} / ${ms(e.full.cancelUnderLoadMs.p99)} ms`,
      `${ms(e.bare.cancelUnderLoadMs.p50)} / ${ms(e.bare.cancelUnderLoadMs.p99)} ms`,
      '',
      '',
    ]);
  }
  if (r.resume) {
    rows.push([
      `Resume: console ${r.resume.entries.toLocaleString('en')} entries behind catches up by sync (median)`,
      `${r.resume.medianMs} ms (${r.resume.entriesPerSecond.toLocaleString('en')} entries/s)`,
      `${r.resume.bare.medianMs} ms (XRANGE + parse)`,
      n(r.resume.ratio, 1),
      '',
    ]);
  }
  if (r.memory) {
    const t = target('memory: per console full / bare');
    rows.push([
      `Memory: server RSS per idle console (${r.memory.full.consoles} consoles, after GC)`,
      kib(r.memory.full.perConsole),
      kib(r.memory.bare.perConsole),
      n(r.memory.ratio, 2),
      `${t.target} ${verdict(t.met)}`,
    ]);
    rows.push(['… V8 heap in use per idle console', kib(r.memory.full.heapPerConsole), kib(r.memory.bare.heapPerConsole), n(r.memory.heapRatio, 2), '']);
  }
  if (r.storm) {
    const st = r.storm;
    const f = st.full;
    const sec = (v: number | null) => (v === null ? 'not within the timeout' : `${(v / 1000).toFixed(1)} s`);
    rows.push([
      `Reconnect storm: ${st.consoles} consoles, their node SIGKILLed; until all live again (connected, synced) / all caught up`,
      `${sec(f.allLiveMs)} / ${sec(f.allCaughtUpMs)}`,
      `${sec(st.bare.allConnectedMs)} (all reconnected)`,
      n(f.allLiveMs !== null && st.bare.allConnectedMs ? f.allLiveMs / st.bare.allConnectedMs : null, 1),
      '',
    ]);
    rows.push([
      '… peak CPU of the surviving node / Redis (250 ms samples), its RSS before → peak; handshakes shed',
      `${f.peakCpuPercent.node} % / ${f.peakCpuPercent.redis} %; ${(f.rssBefore / 2 ** 20).toFixed(0)} → ${(f.peakRss / 2 ** 20).toFixed(0)} MiB; ${f.shedHandshakes} shed`,
      '',
      '',
      '',
    ]);
    rows.push(['… errors / messages lost / delivered twice', `${f.errors} / ${f.lost} / ${f.duplicates}`, '', '', `0 / 0 / 0 ${f.errors + f.lost + f.duplicates === 0 ? 'met' : '**missed**'}`]);
  }
  if (r.field) {
    const f = r.field;
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    rows.push([
      `Field scale: ${f.posts} posts, ${f.links} links, ${f.consoles} consoles on two nodes: RSS per node before → after; per console`,
      `${mib(f.rss.before[0])} → ${mib(f.rss.after[0])}, ${mib(f.rss.before[1])} → ${mib(f.rss.after[1])}; ${kib(f.rss.perConsole)}`,
      r.memory ? `${kib(r.memory.bare.perConsole)} (memory section)` : '',
      '',
      '',
    ]);
    rows.push([
      `… joint command / monitor reading all ${f.links} links (${f.entriesPerLink} messages each): usable cold; after a reconnect`,
      `${f.joint.coldMs} / ${f.monitor.coldMs} ms; ${f.joint.reconnectMs} / ${f.monitor.reconnectMs} ms`,
      '',
      '',
      '',
    ]);
  }
  for (const lp of r.links?.profiles ?? []) {
    const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
    const k = (v: number) => `${(v / 1024).toFixed(1)} KiB`;
    const vsat = lp.profile.startsWith('VSAT');
    rows.push([
      `Console on ${lp.profile}: cold start (empty cache) until the login form / until connected after login; bytes down / up`,
      `${s(lp.cold.shellMs)} / ${s(lp.cold.usableMs)}; ${k(lp.cold.bytesDown)} / ${k(lp.cold.bytesUp)}`,
      '',
      '',
      vsat ? `≤ 10 s ${lp.cold.usableMs <= 10_000 ? 'met' : '**missed**'}` : '',
    ]);
    rows.push([
      '… warm start (cached shell, reload) until connected; bytes down / up',
      `${s(lp.warm.usableMs)}; ${k(lp.warm.bytesDown)} / ${k(lp.warm.bytesUp)}`,
      '',
      '',
      vsat ? `≤ 3 s ${lp.warm.usableMs <= 3000 ? 'met' : '**missed**'}` : '',
    ]);
    rows.push(['… raise at the other end → alert entry at this console (median of 5)', s(lp.raiseToRingMs), '', '', vsat ? `≤ 2 s ${lp.raiseToRingMs <= 2000 ? 'met' : '**missed**'}` : '']);
    rows.push([
      '… bytes per hotline message: sent (up / down), received (down / up); with permessage-deflate',
      `${lp.perMessage.sent.up} / ${lp.perMessage.sent.down}, ${lp.perMessage.received.down} / ${lp.perMessage.received.up}; deflate ${lp.perMessageDeflate.sent.up} / ${lp.perMessageDeflate.sent.down}, ${lp.perMessageDeflate.received.down} / ${lp.perMessageDeflate.received.up}`,
      `${lp.bare.up} / ${lp.bare.down} (emit, ack, echo)`,
      n((lp.perMessage.sent.up + lp.perMessage.sent.down) / Math.max(1, lp.bare.up + lp.bare.down), 1),
      '',
    ]);
  }
  const header = ['measure', 'full service', 'bare baseline', 'ratio', 'target'];
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The relay sweep, step by step. */
export function sweepTable(rel: RelayResult): string {
  const rates = [...new Set(rel.steps.map((s) => s.rate))].sort((a, b) => a - b);
  const cell = (system: RelayStep['system'], rate: number) => {
    const steps = rel.steps.filter((s) => s.system === system && s.rate === rate);
    if (steps.length === 0) return '';
    return steps
      .map((s) => (s.lost > 0 ? `${s.lost} late/lost ✗` : `${ms(s.p50)} / ${ms(s.p99)}${s.pass ? '' : ' ✗'}`))
      .join('; retry ');
  };
  const append = rel.sustained.append !== undefined;
  return [
    `| msg/s | bare p50 / p99 ms |${append ? ' bare + append p50 / p99 ms |' : ''} full p50 / p99 ms |`,
    `|---:|---|${append ? '---|' : ''}---|`,
    ...rates.map((rate) => `| ${rate} | ${cell('bare', rate)} |${append ? ` ${cell('append', rate)} |` : ''} ${cell('full', rate)} |`),
  ].join('\n');
}

export function environmentLine(r: BenchResults): string {
  const e = r.env;
  const psi = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)}%`);
  return (
    `commit ${e.commit}${e.dirty ? ' (uncommitted changes)' : ''}, ${e.date}, Node ${e.node}, ${e.cpus} × ${e.cpuModel}, ${e.redis}${e.aof ? ' (AOF everysec)' : ' (no AOF)'}${e.unsigned ? '; relay actions unsigned' : ''}${e.generatorCrypto === 'webcrypto' ? '; load generator signing with WebCrypto' : ''}; ` +
    `load average ${e.load.start.toFixed(1)} → ${e.load.end.toFixed(1)}, CPU pressure ${psi(e.cpuPressure.start)} → ${psi(e.cpuPressure.end)} (share of time tasks waited for a CPU); ${(r.durationMs / 1000).toFixed(0)} s`
  );
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the results block of docs/benchmarks.md with this run. */
export function updateDoc(file: string, r: BenchResults, command: string, jsonFile: string): void {
  const doc = readFileSync(file, 'utf8');
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  if (i < 0 || j < i) throw new Error(`${file} has no ${START} … ${END} block`);
  const block = [
    START,
    '',
    `Recorded by \`${command}\`: ${environmentLine(r)}.`,
    '',
    summaryTable(r),
    ...(r.relay ? ['', 'Relay sweep (each step: 1 s warm-up, then the measured window; ✗ = p99 over the limit or messages not delivered in time):', '', sweepTable(r.relay)] : []),
    '',
    `Full results: \`${jsonFile}\` (committed; \`bench-results/latest.json\` is git-ignored).`,
    '',
    END,
  ].join('\n');
  writeFileSync(file, doc.slice(0, i) + block + doc.slice(j + END.length));
}

/** " [Redis n µs]" when the step measured Redis on its own. */
function redisOf(c: { redis?: number }): string {
  return c.redis !== undefined ? ` [Redis ${c.redis} µs]` : '';
}
