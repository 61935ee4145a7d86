import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Presence } from '@hotline/shared';
import { HotlineClient } from '@hotline/client-sdk';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, tokenFor, type TestClient } from '../helpers/clients.js';
import { nextEvent, waitFor } from '../helpers/wait.js';

/**
 * Presence names the operators of a post with a console connected, on every node, and is announced
 * again when that set changes while the post stays online (the console shows who is logged in as the
 * post's operator, and whether the operator on duty is connected). Drill sessions are not counted.
 */
let cluster: TestCluster;
const clients: TestClient[] = [];

async function client(node: number, userId: string, options: Parameters<typeof connectClient>[2] = {}) {
  const c = await connectClient(cluster.nodes[node]!.url, userId, options);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

const snapshot = async (c: TestClient, postId: string) => (await c.api<{ presence: Presence[] }>('/api/presence')).presence.find((p) => p.postId === postId);

describe('presence: which operators of a post are connected', () => {
  it('lists them across nodes, announces a second operator joining and leaving, and the post going offline', async () => {
    const b = await client(0, 'op-b1');
    expect(await snapshot(b, 'a1')).toMatchObject({ online: false, operators: [] });

    const first = nextEvent<[Presence]>(b, 'presence', (p) => p.postId === 'a1' && p.online);
    const op = await client(1, 'op-a1');
    expect((await first)[0].operators).toEqual(['op-a1']);

    // A second operator of the same post, on the other node: the post stays online, the set changes.
    const both = nextEvent<[Presence]>(b, 'presence', (p) => p.postId === 'a1' && (p.operators ?? []).length === 2);
    const sup = await client(0, 'sup-a1');
    const [joined] = await both;
    expect(joined).toMatchObject({ online: true, operators: ['op-a1', 'sup-a1'] });
    expect(await snapshot(b, 'a1')).toMatchObject({ online: true, operators: ['op-a1', 'sup-a1'] });

    const left = nextEvent<[Presence]>(b, 'presence', (p) => p.postId === 'a1' && p.online && p.operators?.join() === 'sup-a1');
    op.close();
    await left;

    // A drill session of op-a1 is not op-a1 at the post. The server sends a socket its presence
    // snapshot once the socket has joined (or, for a drill, been left out of) the post's set.
    const drill = new HotlineClient({
      url: cluster.nodes[1]!.url,
      token: tokenFor('op-a1', 'operator', { drill: true }),
      user: op.user!,
      healthCheckMs: 0,
      socket: { transports: ['websocket'] },
    });
    const joined2 = nextEvent<[Presence]>(drill, 'presence', (p) => p.postId === 'a1');
    await drill.connect();
    expect((await joined2)[0].operators).toEqual(['sup-a1']);
    expect((await snapshot(b, 'a1'))?.operators).toEqual(['sup-a1']);
    drill.close();
    const offline = nextEvent<[Presence]>(b, 'presence', (p) => p.postId === 'a1' && !p.online);
    sup.close();
    expect((await offline)[0].operators).toEqual([]);
    await waitFor(async () => (await snapshot(b, 'a1'))?.operators?.length === 0);
  });
});
