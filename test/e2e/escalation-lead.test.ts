import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Entry } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, type TestClient } from '../helpers/clients.js';
import { keys, readLog } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

const escalationsOf = (entries: Entry[], alertId: string) =>
  entries.flatMap((e) => (e.type === 'alert.escalated' && e.payload.alertId === alertId ? [e] : []));

/**
 * Escalation jobs run a little ahead of their step's due time (HOTLINE_ESCALATION_LEAD) and wait in the
 * processor for it, so BullMQ's pickup delay does not make a step late. Here the lead (1 s) is longer
 * than the level's delay (400 ms): every job runs at once and waits the whole delay in the processor,
 * which is where a step written early, or an acknowledgement lost during the wait, would show.
 */
describe('escalation jobs that run ahead of their due time', () => {
  let cluster: TestCluster;
  let queue: Queue;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 2,
      env: { HOTLINE_ESCALATION_LEAD: '1s' },
      topology: {
        policies: [{ id: 'once', name: 'once', onCounterpartOffline: 'wait', levels: [{ delay: 400, targets: ['counterpart-supervisors'] }] }],
        policySelection: { default: 'once', drill: 'once' },
      },
    });
    queue = new Queue('escalations', { connection: cluster.redis.client(), prefix: keys.bullPrefix });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await queue?.close();
    await cluster?.stop();
  });

  const jobState = async (alertId: string) => (await (await queue.getJob(`esc-${alertId}-1`))?.getState()) ?? 'gone';

  it('writes the step at its due time, never before, once', async () => {
    const raiser = await connectClient(cluster.nodes[0]!.url, 'op-a1');
    clients.push(raiser, await connectClient(cluster.nodes[1]!.url, 'op-b1'));
    const { alert } = await raiser.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 2, description: 'Drone over the ridge' });
    expect(alert.nextEscalationAt).toBe(alert.raisedAt + 400);
    // Taken by a worker at once, and waiting.
    await waitFor(async () => (await jobState(alert.alertId)) === 'active', { message: 'the job did not run ahead of its due time' });
    const [step] = await waitFor(() => {
      const list = escalationsOf(raiser.entries, alert.alertId);
      return list.length > 0 ? list : null;
    });
    expect(step!.ts).toBeGreaterThanOrEqual(alert.nextEscalationAt!);
    expect(step!.payload).toMatchObject({ step: 1, dueAt: alert.nextEscalationAt, reason: 'timeout' });
    await waitFor(async () => (await jobState(alert.alertId)) === 'gone');
    expect(escalationsOf(await readLog(cluster.redis.client(), 'l1'), alert.alertId)).toHaveLength(1);
  });

  it('an acknowledgement made while the job waits for the due time stops the step', async () => {
    const raiser = await connectClient(cluster.nodes[0]!.url, 'op-a2');
    const counterpart = await connectClient(cluster.nodes[1]!.url, 'op-b2');
    clients.push(raiser, counterpart);
    const { alert } = await raiser.raiseAlert({ linkId: 'l2', kind: 'small-arms-fire', severity: 2, description: 'Shots near the culvert' });
    await waitFor(async () => (await jobState(alert.alertId)) === 'active', { message: 'the job did not run ahead of its due time' });
    await counterpart.ackAlert(alert.alertId);
    // The job ends (its due time passed, it found the alert acknowledged) without writing the step.
    await waitFor(async () => (await jobState(alert.alertId)) === 'gone', { message: 'the job did not end' });
    expect(Date.now()).toBeGreaterThanOrEqual(alert.nextEscalationAt!);
    expect(escalationsOf(await readLog(cluster.redis.client(), 'l2'), alert.alertId)).toEqual([]);
  });
});
