import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TopologyInput } from '@hotline/shared';
import { hashPassword } from '../../server/src/auth/passwords.js';

export const TEST_PASSWORD = 'test-password';
let cachedHash: Promise<string> | undefined;

/** The test password hashed with a low scrypt cost, so logins in tests are fast. */
export function testPasswordHash(): Promise<string> {
  cachedHash ??= hashPassword(TEST_PASSWORD, { N: 1024, r: 8, p: 1 });
  return cachedHash;
}

type Policies = TopologyInput['escalationPolicies'];

/** Escalation policies with delays in fractions of a second. */
export const FAST_POLICIES: Policies = [
  {
    id: 'fast',
    name: 'fast',
    onCounterpartOffline: 'wait',
    levels: [
      { delay: 400, targets: ['counterpart-supervisors'] },
      { delay: 800, targets: ['counterpart-commanders', 'raiser-commanders'] },
      { delay: 1200, targets: ['joint-command'] },
    ],
    repeat: { every: 400, times: 2 },
  },
  {
    id: 'urgent',
    name: 'urgent',
    onCounterpartOffline: 'escalate-now',
    levels: [{ delay: 600, targets: ['counterpart-commanders'] }, { delay: 1200, targets: ['joint-command'] }],
  },
  {
    id: 'drill',
    name: 'drill',
    onCounterpartOffline: 'wait',
    levels: [{ delay: 300, targets: ['counterpart-supervisors'] }],
  },
  {
    id: 'slow',
    name: 'slow',
    onCounterpartOffline: 'wait',
    levels: [{ delay: '1h', targets: ['joint-command'] }],
  },
];

/**
 * Sides a and b; posts a1..a3 and b1..b3; links l1 (a1-b1), l2 (a2-b2), l3 (a3-b3) and l4 (a1-b2).
 * Sectors: sa1 {a1,a2}, sa2 {a3}, sb1 {b1,b2}, sb2 {b3}. Users: op-<post> and sup-<post> per post,
 * cmd-sa1, cmd-sa2, cmd-sb1, cmd-sb2, joint, monitor, admin.
 */
export async function makeTopology(
  options: { policies?: Policies; policySelection?: TopologyInput['policySelection']; extra?: Partial<TopologyInput> } = {},
): Promise<{ file: string; topology: TopologyInput }> {
  const pw = await testPasswordHash();
  const posts = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'].map((id, i) => ({
    id,
    side: id[0]!,
    sector: `s${id[0]}${id === 'a3' || id === 'b3' ? 2 : 1}`,
    name: `Post ${id.toUpperCase()}`,
    location: { lat: 34 + (id[0] === 'a' ? 0.05 : -0.05), lon: 70 + i * 0.1 },
  }));
  const users: TopologyInput['users'] = [];
  for (const p of posts) {
    users.push({ id: `op-${p.id}`, name: `Operator ${p.id}`, role: 'operator', post: p.id, passwordHash: pw });
    users.push({ id: `sup-${p.id}`, name: `Supervisor ${p.id}`, role: 'operator', post: p.id, supervisor: true, passwordHash: pw });
  }
  for (const s of ['sa1', 'sa2', 'sb1', 'sb2']) {
    users.push({ id: `cmd-${s}`, name: `Commander ${s}`, role: 'commander', side: s[1]!, sectors: [s], passwordHash: pw });
  }
  users.push(
    { id: 'joint', name: 'Joint command', role: 'commander', joint: true, passwordHash: pw },
    { id: 'monitor', name: 'Monitor', role: 'monitor', passwordHash: pw },
    { id: 'admin', name: 'Admin', role: 'admin', drillOfficer: true, passwordHash: pw },
  );
  const topology: TopologyInput = {
    name: 'test topology',
    sides: [
      { id: 'a', name: 'Side A', languages: ['ur', 'en'] },
      { id: 'b', name: 'Side B', languages: ['ps', 'en'] },
    ],
    sectors: [
      { id: 'sa1', side: 'a', name: 'Sector A1' },
      { id: 'sa2', side: 'a', name: 'Sector A2' },
      { id: 'sb1', side: 'b', name: 'Sector B1' },
      { id: 'sb2', side: 'b', name: 'Sector B2' },
    ],
    posts,
    links: [
      { id: 'l1', name: 'Link 1', posts: ['a1', 'b1'] },
      { id: 'l2', name: 'Link 2', posts: ['a2', 'b2'] },
      { id: 'l3', name: 'Link 3', posts: ['a3', 'b3'] },
      { id: 'l4', name: 'Link 4', posts: ['a1', 'b2'] },
    ],
    users,
    escalationPolicies: options.policies ?? FAST_POLICIES,
    policySelection: options.policySelection ?? { default: 'fast', bySeverity: { '4': 'urgent' }, drill: 'drill' },
    phrases: [{ id: 'cease-fire', text: { en: 'Cease fire.', ur: 'فائرنگ بند کریں۔', ps: 'ډزې ودروئ.' } }],
    ...options.extra,
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-topology-'));
  const file = path.join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(topology, null, 2));
  return { file, topology };
}
