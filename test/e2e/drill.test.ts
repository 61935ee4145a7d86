import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../scripts/drill/report.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import type { Presence } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { connectClient, tokenFor } from '../helpers/clients.js';
import { headSeqs, headsBeforeRefusals, keys, verifiedLog } from '../helpers/log.js';
import { ROOT } from '../helpers/server.js';
import { TEST_PASSWORD } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the drill CLI as a child process, as an officer would, and waits for it to exit. */
function drill(args: string[], timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/drill.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drill did not finish within ${timeoutMs} ms:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('drill runner', () => {
  let cluster: TestCluster;
  let out: string;

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 2,
      topology: {
        policies: [
          { id: 'real', name: 'real', onCounterpartOffline: 'wait', levels: [{ delay: '1h', targets: ['joint-command'] }] },
          { id: 'now', name: 'at once when unmanned', onCounterpartOffline: 'escalate-now', levels: [{ delay: '1h', targets: ['joint-command'] }] },
          {
            id: 'drill',
            name: 'fast drill',
            onCounterpartOffline: 'wait',
            levels: [
              { delay: 700, targets: ['counterpart-supervisors'] },
              { delay: 1400, targets: ['counterpart-commanders', 'raiser-commanders'] },
              { delay: 2100, targets: ['joint-command'] },
            ],
            repeat: { every: 700, times: 1 },
          },
        ],
        policySelection: { default: 'real', bySeverity: { '4': 'now' }, drill: 'drill' },
      },
    });
    out = mkdtempSync(path.join(os.tmpdir(), 'hotline-drill-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('runs a short drill with bursts through the CLI: every entry drill-marked, nothing left open, integrity passes', async () => {
    const result = await drill([
      '--url', cluster.nodes[0]!.url,
      '--user', 'admin',
      '--password', TEST_PASSWORD,
      '--pattern', 'burst',
      '--rate', '2',
      '--burst-size', '20',
      '--burst-window', '1s',
      '--burst-every', '3s',
      '--burst-start', '500ms',
      '--chatter', '5',
      '--duration', '4s',
      '--ack-probability', '0.5',
      '--ack-delay', 'uniform:100ms..1500ms',
      '--escalation-ack-probability', '0.5',
      '--escalation-ack-delay', 'uniform:100ms..600ms',
      '--settle', '6s',
      '--escalation-grace', '3s',
      '--seed', '42',
      '--json',
      '--out', out,
    ]);
    expect(result.stderr).not.toMatch(/drill failed/);
    const report = JSON.parse(result.stdout) as DrillReport;
    const failed = report.integrity.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(report.integrity.ok).toBe(true);
    expect(result.code).toBe(0);

    // What the plan asked for went out, was stored and reached the other end.
    expect(report.plan.bursts.map((b) => b.at)).toEqual([500, 3500]);
    expect(report.counts.alerts.planned).toBe(8 + 2 * 20);
    expect(report.counts.alerts).toMatchObject({ sent: 48, stored: 48, failed: 0, deliveredToCounterpart: 48 });
    // Chatter at 5/s for the sending time (4 s, and the last burst's tail).
    const messages = report.counts.messages.planned;
    expect(messages).toBeGreaterThanOrEqual(20);
    expect(report.counts.messages).toMatchObject({ sent: messages, stored: messages, failed: 0, deliveredToCounterpart: messages });
    expect(report.errors.total).toBe(0);
    // Bursts hit one sector each: every alert of a burst was raised by a post of that sector.
    expect(report.latencyMs.alertDelivery.count).toBe(48);
    // Responders: some alerts went unacknowledged long enough to escalate; escalation responders acknowledged some.
    expect(report.escalations.total).toBeGreaterThan(0);
    expect(report.escalations.byLevel['1']).toBeGreaterThan(0);
    expect(report.acknowledgement.byCounterpart).toBeGreaterThan(0);
    expect(report.acknowledgement.byCounterpart + report.acknowledgement.bySupervisor + report.acknowledgement.byCommander + report.acknowledgement.notAcknowledged).toBe(48);
    expect(report.escalations.notificationsSeen).toBeGreaterThan(0);

    // Report files: the JSON on stdout is the one written, and the HTML page carries its charts inline.
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'))!;
    const html = files.find((f) => f.endsWith('.html'))!;
    expect(JSON.parse(readFileSync(path.join(out, json), 'utf8'))).toEqual(report);
    const page = readFileSync(path.join(out, html), 'utf8');
    expect(page.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(page).toContain('Integrity check: PASS');
    expect(page).not.toMatch(/<script|<link|src="http/);

    // Independently of the report: straight from Redis, every entry is drill traffic, every chain
    // verifies, and every drill alert ended cancelled or resolved (nothing keeps escalating).
    const redis = cluster.redis.client();
    const raisedBursts = new Map<number, Set<string>>();
    for (const linkId of ['l1', 'l2', 'l3', 'l4']) {
      const log = await verifiedLog(redis, linkId);
      for (const e of log) expect(e.drill).toBe(true);
      const alerts = await redis.hvals(keys.alerts(linkId));
      for (const raw of alerts) expect(['cancelled', 'resolved']).toContain((JSON.parse(raw) as { state: string }).state);
      for (const e of log) {
        const m = e.type === 'alert.raised' ? /\(burst (\d+)\)/.exec(e.payload.description) : null;
        if (m) {
          const set = raisedBursts.get(Number(m[1])) ?? new Set();
          set.add(cluster.topology.posts.find((p) => p.id === e.actor.postId)!.sector);
          raisedBursts.set(Number(m[1]), set);
        }
      }
    }
    expect([...raisedBursts.values()].map((s) => s.size)).toEqual([1, 1]);
  });

  it('refuses without a drill-capable token, writing nothing', async () => {
    const redis = cluster.redis.client();
    const links = ['l1', 'l2', 'l3', 'l4'];
    const before = await headsBeforeRefusals(redis, links);
    const url = cluster.nodes[1]!.url;
    const common = ['--url', url, '--duration', '2s', '--rate', '1', '--quiet', '--out', out];

    const operator = await drill(['--user', 'op-a1', '--password', TEST_PASSWORD, ...common]);
    expect(operator.code).toBe(3);
    expect(operator.stderr).toContain('op-a1 is not a drill officer');

    const drillToken = await drill(['--token', tokenFor('admin', 'admin', { drill: true }), ...common]);
    expect(drillToken.code).toBe(3);
    expect(drillToken.stderr).toContain('drill token');

    const wrong = await drill(['--user', 'admin', '--password', 'not-the-password', ...common]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('login as admin refused');

    const none = await drill(common);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('a drill needs a drill officer');

    const tooFast = await drill(['--user', 'admin', '--password', TEST_PASSWORD, ...common, '--rate', '1000']);
    expect(tooFast.code).toBe(2);
    expect(tooFast.stderr).toContain('--rate: 1000 is above the limit of 20');

    const unreachable = await drill(['--user', 'admin', '--password', TEST_PASSWORD, '--url', 'http://127.0.0.1:9', '--duration', '2s', '--quiet']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach');

    expect(await headSeqs(redis, links)).toEqual(before);
    expect(existsSync(out)).toBe(true);
  });

  it('a drill console does not make its post look manned, to the counterpart or to a real alert', async () => {
    const url = cluster.nodes[0]!.url;
    const real = await connectClient(url, 'op-a1');
    const drillConsole = new HotlineClient({ url, token: tokenFor('op-b1', 'operator', { drill: true }), healthCheckMs: 0, socket: { transports: ['websocket'] } });
    await drillConsole.connect();
    try {
      const b1 = async () => (await real.api<{ presence: Presence[] }>('/api/presence')).presence.find((p) => p.postId === 'b1')!;
      expect((await b1()).online).toBe(false);
      // A real alert with "escalate at once when the counterpart is unmanned" sees b1 unmanned.
      const { alert } = await real.raiseAlert({ linkId: 'l1', kind: 'drone', severity: 4, description: 'real alert during a drill' });
      expect(alert.counterpartOnline).toBe(false);
      expect(alert.nextEscalationAt).toBe(alert.raisedAt);
      // Control: a real console of b1 does count.
      const manned = await connectClient(url, 'op-b1');
      await waitFor(async () => (await b1()).online);
      manned.close();
    } finally {
      drillConsole.close();
      real.close();
    }
  });
});
