import type { VisibleTopology } from '@hotline/shared';

/** A hash for entries whose chain is not what a test looks at. */
export const HASH = 'a'.repeat(64);

/**
 * The topology a console sees, for tests of the console's model (no server): Post A1 on side A with two
 * links, l1 to Post B1 and l4 to Post B2; A1's operator, supervisor and a disabled account, B1's operator
 * and a commander.
 */
export const CONSOLE_TOPOLOGY: VisibleTopology = {
  name: 't',
  sides: [
    { id: 'a', name: 'Side A', languages: ['ur', 'en'] },
    { id: 'b', name: 'Side B', languages: ['ps', 'en'] },
  ],
  sectors: [
    { id: 'sa', side: 'a', name: 'SA' },
    { id: 'sb', side: 'b', name: 'SB' },
  ],
  posts: [
    { id: 'a1', side: 'a', sector: 'sa', name: 'Post A1', location: { lat: 34.1, lon: 70 } },
    { id: 'b1', side: 'b', sector: 'sb', name: 'Post B1', location: { lat: 33.9, lon: 70 } },
    { id: 'b2', side: 'b', sector: 'sb', name: 'Post B2', location: { lat: 33.9, lon: 70.1 } },
  ],
  links: [
    { id: 'l1', name: 'Link 1', posts: ['a1', 'b1'] },
    { id: 'l4', name: 'Link 4', posts: ['a1', 'b2'] },
  ],
  users: [
    { id: 'op-a1', name: 'Operator a1', role: 'operator', post: 'a1' },
    { id: 'sup-a1', name: 'Supervisor a1', role: 'operator', post: 'a1', supervisor: true },
    { id: 'old-a1', name: 'Gone a1', role: 'operator', post: 'a1', disabled: true },
    { id: 'op-b1', name: 'Operator b1', role: 'operator', post: 'b1' },
    { id: 'cmd', name: 'Commander', role: 'commander', sectors: ['sa'] },
  ],
  phrases: [],
  escalationPolicies: [{ id: 'p', name: 'p', onCounterpartOffline: 'wait', levels: [{ delay: 1000, targets: ['counterpart-supervisors'] }] }],
  precedence: {},
};
