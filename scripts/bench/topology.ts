/** The bench topology: `pairs` linked posts (a-<i> ↔ b-<i>), one operator each, a joint command, and a resume link. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TopologyInput } from '@hotline/shared';
import { testPasswordHash } from '../../test/helpers/topology.js';

export interface BenchTopology {
  file: string;
  topology: TopologyInput;
  pairs: number;
  /** Link and operators of pair i. */
  pair(i: number): { linkId: string; a: { user: string; post: string }; b: { user: string; post: string } };
  /** A link of its own for the resume measurement. */
  resume: { linkId: string; writer: string; reader: string };
  joint: string;
}

export const BENCH_POLICY = 'bench-escalation';

/**
 * Sides a and b, `pairs` links between a-<i> and b-<i>, ten sectors per side, operator op-a-<i> /
 * op-b-<i> per post, a joint commander and an admin. Alerts use one level after `escalationDelayMs`
 * notifying the joint command, so the escalation bench measures timers, not fan-out.
 */
export async function writeBenchTopology(pairs: number, escalationDelayMs: number): Promise<BenchTopology> {
  const pw = await testPasswordHash();
  const sectorsPerSide = 10;
  const sector = (side: string, i: number) => `s${side}-${i % sectorsPerSide}`;
  const posts: TopologyInput['posts'] = [];
  const links: TopologyInput['links'] = [];
  const users: TopologyInput['users'] = [];
  for (let i = 0; i < pairs; i++) {
    for (const side of ['a', 'b']) {
      posts.push({ id: `${side}-${i}`, side, sector: sector(side, i), name: `Post ${side.toUpperCase()}${i}`, location: { lat: 34 + (side === 'a' ? 0.05 : -0.05), lon: 70 + i * 0.01 } });
      users.push({ id: `op-${side}-${i}`, name: `Operator ${side}${i}`, role: 'operator', post: `${side}-${i}`, passwordHash: pw });
    }
    links.push({ id: `p-${i}`, name: `Pair ${i}`, posts: [`a-${i}`, `b-${i}`] });
  }
  posts.push({ id: 'a-resume', side: 'a', sector: 'sa-0', name: 'Resume A', location: { lat: 34.05, lon: 69 } });
  posts.push({ id: 'b-resume', side: 'b', sector: 'sb-0', name: 'Resume B', location: { lat: 33.95, lon: 69 } });
  links.push({ id: 'resume', name: 'Resume', posts: ['a-resume', 'b-resume'] });
  users.push({ id: 'op-a-resume', name: 'Resume writer', role: 'operator', post: 'a-resume', passwordHash: pw });
  users.push({ id: 'op-b-resume', name: 'Resume reader', role: 'operator', post: 'b-resume', passwordHash: pw });
  users.push({ id: 'joint', name: 'Joint command', role: 'commander', joint: true, passwordHash: pw });
  users.push({ id: 'admin', name: 'Admin', role: 'admin', drillOfficer: true, passwordHash: pw });
  const topology: TopologyInput = {
    name: `bench topology (${pairs} pairs)`,
    sides: [
      { id: 'a', name: 'Side A', languages: ['ur', 'en'] },
      { id: 'b', name: 'Side B', languages: ['ps', 'en'] },
    ],
    sectors: ['a', 'b'].flatMap((side) => Array.from({ length: sectorsPerSide }, (_, i) => ({ id: `s${side}-${i}`, side, name: `Sector ${side}${i}` }))),
    posts,
    links,
    users,
    escalationPolicies: [{ id: BENCH_POLICY, name: 'bench', onCounterpartOffline: 'wait', levels: [{ delay: escalationDelayMs, targets: ['joint-command'] }] }],
    policySelection: { default: BENCH_POLICY, drill: BENCH_POLICY },
    phrases: [],
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-'));
  const file = path.join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  return {
    file,
    topology,
    pairs,
    pair: (i) => ({ linkId: `p-${i}`, a: { user: `op-a-${i}`, post: `a-${i}` }, b: { user: `op-b-${i}`, post: `b-${i}` } }),
    resume: { linkId: 'resume', writer: 'op-a-resume', reader: 'op-b-resume' },
    joint: 'joint',
  };
}
