/**
 * Resume: a console `entries` behind on its link reconnects and catches up by sync (the SDK pages
 * through `sync` and delivers each entry once, in order). The bare baseline reads the same stream
 * straight from Redis in pages of 1,000 and parses each entry: the floor any sync has to stand on.
 */
import { performance } from 'node:perf_hooks';
import type { SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { median } from '../lib/stats.js';
import type { BenchCluster } from './setup.js';

export interface ResumeResult {
  entries: number;
  /** Time from connect() to the last entry delivered, per run, ms. */
  runsMs: number[];
  medianMs: number;
  entriesPerSecond: number;
  bare: { runsMs: number[]; medianMs: number };
  ratio: number;
}

export async function resumeBench(cluster: BenchCluster, o: { entries: number; runs: number; log: (line: string) => void }): Promise<ResumeResult> {
  const { topo, signer } = cluster;
  const { linkId, writer: writerId, reader: readerId } = topo.resume;
  const session = (id: string, post: string): SessionUser => ({ id, name: id, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false });
  const writer = new HotlineClient({
    url: cluster.full[0].url,
    token: signer.issue({ id: writerId, role: 'operator' }).token,
    user: session(writerId, 'a-resume'),
    links: [linkId],
    deliveredReceipts: false,
    healthCheckMs: 0,
    ackTimeoutMs: 15_000,
    socket: { transports: ['websocket'] },
  });
  await writer.connect();
  const start = writer.cursor(linkId);
  o.log(`resume: writing ${o.entries} messages on link ${linkId}`);
  let next = 0;
  let lastSeq = start;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < o.entries) {
        const i = next++;
        const { entry } = await writer.request('hotline:send', { linkId, clientMsgId: `resume-${start}-${i}`, text: `Log line ${i}: patrol passed the marker, nothing to report.`, precedence: 'routine', drill: false });
        lastSeq = Math.max(lastSeq, entry.seq);
      }
    }),
  );
  writer.close();
  // The writer's signing key entered the log with its first message: the console is that much further behind.
  const head = lastSeq;
  const behind = head - start;

  const runsMs: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const reader = new HotlineClient({
      url: cluster.full[1].url,
      token: signer.issue({ id: readerId, role: 'operator' }).token,
      user: session(readerId, 'b-resume'),
      links: [linkId],
      cursors: { [linkId]: { seq: start } },
      deliveredReceipts: false,
      healthCheckMs: 0,
      ackTimeoutMs: 15_000,
      socket: { transports: ['websocket'] },
    });
    let delivered = 0;
    reader.on('entry', () => delivered++);
    const t = performance.now();
    await reader.connect();
    const ms = performance.now() - t;
    reader.close();
    if (delivered !== behind) throw new Error(`resume: the console caught up ${delivered} entries, expected ${behind}`);
    runsMs.push(ms);
    o.log(`resume: run ${r + 1}: ${behind} entries in ${Math.round(ms)} ms`);
  }

  const redis = cluster.redis.client();
  const bareRuns: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const t = performance.now();
    let cursor = start;
    let n = 0;
    while (cursor < head) {
      const rows = await redis.xrange(`hotline:log:{link:${linkId}}`, `(${cursor}-0`, '+', 'COUNT', 1000);
      for (const [, fields] of rows) {
        const e = JSON.parse(fields[1]!) as { seq: number };
        cursor = e.seq;
        n++;
      }
      if (rows.length === 0) break;
    }
    bareRuns.push(performance.now() - t);
    if (n !== behind) throw new Error(`resume (bare): read ${n} entries, expected ${behind}`);
  }
  const medianMs = median(runsMs);
  const bareMedian = median(bareRuns);
  return {
    entries: behind,
    runsMs: runsMs.map(Math.round),
    medianMs: Math.round(medianMs),
    entriesPerSecond: Math.round((behind / medianMs) * 1000),
    bare: { runsMs: bareRuns.map(Math.round), medianMs: Math.round(bareMedian) },
    ratio: medianMs / bareMedian,
  };
}
