import { describe, expect, it } from 'vitest';
import { TopologySchema, formatIssues, type TopologyInput } from '@hotline/shared';
import { loadTopology } from '../../server/src/topology-file.js';
import { ROOT } from '../helpers/server.js';
import { makeTopology } from '../helpers/topology.js';

async function issuesOf(mutate: (t: TopologyInput) => void): Promise<string[]> {
  const { topology } = await makeTopology();
  const copy = structuredClone(topology);
  mutate(copy);
  const result = TopologySchema.safeParse(copy);
  return result.success ? [] : formatIssues(result.error.issues);
}

describe('topology validation', () => {
  it('accepts the demo topology: two sides, at least five links, commanders, joint command, monitor, admin', () => {
    const t = loadTopology(`${ROOT}/topology/demo.json`);
    expect(t.sides).toHaveLength(2);
    expect(t.links.length).toBeGreaterThanOrEqual(5);
    expect(t.posts.length).toBeGreaterThanOrEqual(10);
    expect(t.users.find((u) => u.id === 'admin')?.role).toBe('admin');
    expect(t.users.some((u) => u.role === 'monitor')).toBe(true);
    expect(t.users.some((u) => u.joint)).toBe(true);
    for (const side of t.sides) {
      expect(t.users.some((u) => u.role === 'commander' && u.side === side.id)).toBe(true);
    }
  });

  it('names the field and what is wrong', async () => {
    expect(await issuesOf((t) => (t.links[0]!.posts = ['a1', 'a2']))).toEqual(['links[0].posts: a link must join posts of different sides']);
    expect(await issuesOf((t) => (t.links[1]!.posts = ['a2', 'zz']))).toEqual(['links[1].posts[1]: unknown post "zz"']);
    expect(await issuesOf((t) => (t.users[0]!.post = 'nowhere'))).toEqual(['users[0].post: an operator needs a known post']);
    expect(await issuesOf((t) => (t.posts[0]!.sector = 'sb1'))).toEqual(['posts[0].sector: sector "sb1" belongs to another side']);
    expect(await issuesOf((t) => (t.policySelection.default = 'missing'))).toEqual(['policySelection.default: unknown escalation policy "missing"']);
    expect(await issuesOf((t) => (t.escalationPolicies[0]!.levels[0]!.delay = 'soon'))).toEqual([
      'escalationPolicies[0].levels[0].delay: must be a duration such as "250ms", "1.5s", "10m" or "12h" (or a number of milliseconds)',
    ]);
    expect(await issuesOf((t) => t.users.push({ ...t.users[0]! }))).toEqual([`users[${(await makeTopology()).topology.users.length}].id: duplicate id "op-a1"`]);
    expect(await issuesOf((t) => ((t.users[0] as { passwordHash: string }).passwordHash = 'plain'))).toEqual(['users[0].passwordHash: must be an scrypt hash']);
  });

  it('stops loading with a message naming the file', () => {
    expect(() => loadTopology('/nonexistent/topology.json')).toThrow(/cannot read topology file \/nonexistent\/topology.json/);
  });

  it('parses durations', async () => {
    const { topology } = await makeTopology();
    topology.escalationPolicies[0]!.levels = [{ delay: '1.5s', targets: ['joint-command'] }, { delay: '2m', targets: ['joint-command'] }];
    const parsed = TopologySchema.parse(topology);
    expect(parsed.escalationPolicies[0]!.levels.map((l) => l.delay)).toEqual([1500, 120_000]);
  });
});
