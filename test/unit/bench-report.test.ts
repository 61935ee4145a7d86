import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateTargets, summaryTable, sweepTable, updateDoc, type BenchResults } from '../../scripts/bench/report.js';
import { summarize } from '../../scripts/lib/stats.js';
import { signatureFloor } from '../../scripts/bench/relay.js';

const step = (system: 'full' | 'bare', rate: number, pass: boolean, p99: number) => ({
  system,
  rate,
  measured: rate * 4,
  delivered: rate * 4,
  lost: 0,
  errors: 0,
  achievedRate: rate,
  p50: 2,
  p99,
  max: p99 + 5,
  pass,
  retry: false,
  cpuUsPerMessage: { server: system === 'full' ? 600 : 250, generator: 180 },
});

function results(): Omit<BenchResults, 'targets'> {
  const side = (lateP99: number, lost = 0) => ({
    expected: 5000,
    fired: 5000,
    lost,
    duplicates: 0,
    afterAck: 0,
    latenessMs: { ...summarize([10, 20, lateP99]), p99: lateP99 },
    cancelMs: summarize([1, 2]),
    cancelUnderLoadMs: summarize([3, 4]),
    scheduleMs: 10_000,
  });
  return {
    tool: 'hotline-bench',
    version: 1,
    env: { commit: 'abc1234', dirty: false, date: '2026-01-01T00:00:00.000Z', node: 'v20', cpus: 2, cpuModel: 'cpu', load: { start: 1, end: 1 }, cpuPressure: { start: 10, end: 12 }, redis: 'Redis 7', aof: false },
    options: {},
    durationMs: 180_000,
    relay: {
      p99LimitMs: 50,
      pairs: 100,
      steps: [step('bare', 1000, true, 5), step('full', 1000, true, 20), step('bare', 2000, true, 9), step('full', 2000, false, 80)],
      sustained: { full: 1000, bare: 2000 },
      ratio: 0.5,
      cpuUsPerMessage: { rate: 1000, full: { server: 600, generator: 180 }, bare: { server: 250, generator: 180 } },
    },
    escalation: { count: 10_000, delayMs: 30_000, raiseRate: { target: 1000, achieved: 900 }, lateAcks: 0, full: side(15), bare: side(13), bareHz10: { ...side(100), redisCpuPercent: 1.5 }, redisHz: 100, idleRedisCpu: { hz10: 0.2, hz: 0.6, sampleMs: 5000 }, latenessRatio: 1.15, cancelRatio: 5 },
    memory: {
      full: { consoles: 1000, baseRss: 1, loadedRss: 2, perConsole: 30_000, heapPerConsole: 15_000 },
      bare: { consoles: 1000, baseRss: 1, loadedRss: 2, perConsole: 25_000, heapPerConsole: 11_000 },
      ratio: 1.2,
      heapRatio: 1.36,
    },
  };
}

describe('bench report', () => {
  it('judges each target and prints the misses', () => {
    const r = { ...results(), targets: [] } as BenchResults;
    r.targets = evaluateTargets(r);
    expect(r.targets.map((t) => [t.name, t.met])).toEqual([
      ['relay: full / bare sustained rate', true],
      ['relay: server CPU per message full / bare', false],
      ['escalation: lateness p99 full / bare', true],
      ['escalation: lateness p99 (full), ms', true],
      ['escalation: lost + duplicated + after-ack (full)', true],
      ['memory: per console full / bare', true],
    ]);
    const table = summaryTable(r);
    expect(table).toContain('| 1000 msg/s (p50 2.0 / p99 20 ms) | 2000 msg/s (p50 2.0 / p99 9.0 ms) | 0.50 | ≥ 0.5 met |');
    expect(table).toContain('| 2.40 | ≤ 1.2 **missed** |');
    expect(table).toContain('600 µs (180 µs)');
    expect(sweepTable(r.relay!)).toContain('| 2000 | 2.0 / 9.0 | 2.0 / 80 ✗ |');
    expect(table).toContain('Redis hz 100');
    expect(table).toContain('| … bare BullMQ again with Redis at its default hz 10: lateness p50 / p99 / max |  | 20 / 100 / 100 ms |');
    expect(table).toContain('idle 0.2 % → 0.6 %');
    const late = results();
    late.escalation!.full.latenessMs.p99 = 25;
    expect(evaluateTargets(late).find((t) => t.name === 'escalation: lateness p99 (full), ms')!.met).toBe(false);
    const lost = results();
    lost.escalation!.full.lost = 1;
    expect(evaluateTargets(lost).find((t) => t.name.startsWith('escalation: lost'))!.met).toBe(false);
  });

  it('derives what the signatures alone leave reachable from the bare relay in the same run', () => {
    const r = { ...results(), targets: [] } as BenchResults;
    // Bare at its sustained 2000 msg/s: 250 µs server + 180 µs generator; signatures 100 + 70 µs.
    const floor = signatureFloor(r.relay!, { signUs: 100, verifyUs: 70 }, 2);
    expect(floor.bareTotalUs).toBe(430);
    expect(floor.ceilingRate).toBe(Math.round(2e6 / 600));
    expect(floor.ceilingRatio).toBe(Math.round((Math.round(2e6 / 600) / 2000) * 100) / 100);
    expect(floor.cpuRatioFloor).toBe(Math.round((320 / 250) * 100) / 100);
    r.relay!.signatureFloor = floor;
    r.relay!.idleCpu = { full: 80, bare: 2, sampleMs: 5000 };
    r.targets = evaluateTargets(r);
    expect(summaryTable(r)).toContain('(µs per message at 1000 msg/s) | 80 ms/s (80 µs) | 2 ms/s (2 µs) |');
    expect(summaryTable(r)).toContain(`at most ${Math.round(2e6 / 600)} msg/s; server CPU ratio at least 1.28`);
    // No passing bare step at the sustained rate: nothing to derive from.
    const none = signatureFloor({ ...r.relay!, sustained: { full: 0, bare: 4000 } }, { signUs: 100, verifyUs: 70 }, 2);
    expect(none.ceilingRate).toBeNull();
    expect(none.ceilingRatio).toBeNull();
  });

  it('replaces only the results block of the doc', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-doc-')), 'benchmarks.md');
    writeFileSync(file, 'intro\n<!-- bench:results:start -->\nold\n<!-- bench:results:end -->\noutro\n');
    const r = { ...results(), targets: [] } as BenchResults;
    r.targets = evaluateTargets(r);
    updateDoc(file, r, 'npm run bench', 'bench-results/x.json');
    const doc = readFileSync(file, 'utf8');
    expect(doc.startsWith('intro\n<!-- bench:results:start -->')).toBe(true);
    expect(doc.endsWith('<!-- bench:results:end -->\noutro\n')).toBe(true);
    expect(doc).not.toContain('\nold\n');
    expect(doc).toContain('Recorded by `npm run bench`: commit abc1234');
  });
});
