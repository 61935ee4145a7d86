/**
 * Runs a drill against a live service, through the client SDK only: a drill officer's token gets drill
 * tokens for the simulated posts and commanders; the plan goes out marked drill; simulated responders
 * acknowledge; at the end open alerts are cancelled, the logs are synced and the observations returned.
 */
import { randomBytes } from 'node:crypto';
import {
  ErrorCode,
  type Entry,
  type Escalation,
  type Link,
  type LinkHead,
  type Post,
  type PublicUser,
  type SessionUser,
  type VisibleTopology,
} from '@hotline/shared';
import { HotlineClient, HotlineError, apiFetch } from '../../client-sdk/src/index.js';
import { nodeClientCrypto } from '../../client-sdk/src/node-crypto.js';
import { UsageError, formatDuration } from '../lib/cli.js';
import type { Progress } from '../lib/progress.js';
import type { ActionRecord, DeliveryLog, DrillObservations, EscalationSeen, ResponderKind, SendRecord } from './model.js';
import type { DrillOptions } from './options.js';
import { planDrill, type DrillPlan } from './plan.js';
import { Rng, sampleDelay } from './random.js';

/** The service refused the drill (no drill officer, bad credentials) or cannot be reached: exit 3. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

export type DrillPhase = 'connecting' | 'sending' | 'settling' | 'cleaning up' | 'checking' | 'done';

/** Live counters for the progress display. */
export interface DrillCounters {
  phase: DrillPhase;
  elapsedMs: number;
  plannedMs: number;
  alertsSent: number;
  alertsStored: number;
  messagesSent: number;
  messagesStored: number;
  acknowledged: number;
  escalated: number;
  errors: number;
  /** Alerts and messages per second over the last 5 s. */
  alertRate: number;
  messageRate: number;
}

export interface DrillRunResult {
  observations: DrillObservations;
  plan: DrillPlan;
  /** Who the drill simulated. */
  users: { operators: string[]; supervisors: string[]; commanders: string[] };
  aborted: boolean;
}

interface SimUser {
  id: string;
  kind: 'operator' | 'supervisor' | 'commander';
  post: string | null;
  sectors: string[];
  joint: boolean;
  links: string[];
  client: HotlineClient;
}

interface AlertState {
  alertId: string;
  linkId: string;
  raiserPostId: string;
  counterpartPostId: string;
  state: 'open' | 'acknowledged' | 'resolved' | 'cancelled';
}

const errorOf = (err: unknown) =>
  err instanceof HotlineError ? { code: err.code, message: err.message } : { code: 'ERROR', message: (err as Error)?.message ?? String(err) };

/** Runs `tasks` with at most `n` at once. */
async function pool<T>(items: readonly T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

const until = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export class DrillRunner {
  readonly #opts: DrillOptions;
  readonly #progress: Progress | undefined;
  readonly #planRng: Rng;
  readonly #responderRng: Rng;
  readonly runTag: string;
  readonly counters: DrillCounters;
  #abort = false;
  #startedAt = 0;
  readonly #recent: { at: number; kind: 'alert' | 'message' }[] = [];

  constructor(opts: DrillOptions, progress?: Progress) {
    this.#opts = opts;
    this.#progress = progress;
    this.#planRng = new Rng(opts.seed);
    this.#responderRng = new Rng(opts.seed ^ 0x5bd1e995);
    this.runTag = `drill-${randomBytes(4).toString('hex')}`;
    this.counters = {
      phase: 'connecting',
      elapsedMs: 0,
      plannedMs: opts.durationMs,
      alertsSent: 0,
      alertsStored: 0,
      messagesSent: 0,
      messagesStored: 0,
      acknowledged: 0,
      escalated: 0,
      errors: 0,
      alertRate: 0,
      messageRate: 0,
    };
  }

  /** Stops sending at once; the drill still settles, cleans up and checks. */
  abort(): void {
    this.#abort = true;
  }

  /** Refreshes the time-dependent counters (for the progress display). */
  tick(): DrillCounters {
    const now = Date.now();
    if (this.#startedAt) this.counters.elapsedMs = now - this.#startedAt;
    while (this.#recent.length && this.#recent[0]!.at < now - 5000) this.#recent.shift();
    const span = Math.min(5, Math.max(1, this.counters.elapsedMs / 1000));
    this.counters.alertRate = this.#recent.filter((r) => r.kind === 'alert').length / span;
    this.counters.messageRate = this.#recent.filter((r) => r.kind === 'message').length / span;
    return this.counters;
  }

  #log(message: string): void {
    this.#progress?.log(message);
  }

  async #officer(): Promise<string> {
    const o = this.#opts;
    let token = o.token;
    if (token === undefined) {
      try {
        token = (await HotlineClient.login(o.url, o.user!, o.password!)).token;
      } catch (err) {
        const e = errorOf(err);
        if (e.code === ErrorCode.DISCONNECTED) throw new RefusedError(`cannot reach ${o.url}: ${e.message}`);
        throw new RefusedError(`login as ${o.user} refused: ${e.message}`);
      }
    }
    let me: { user: SessionUser; drill: boolean };
    try {
      me = await apiFetch<{ user: SessionUser; drill: boolean }>(o.url, '/api/me', { token });
    } catch (err) {
      const e = errorOf(err);
      if (e.code === ErrorCode.DISCONNECTED) throw new RefusedError(`cannot reach ${o.url}: ${e.message}`);
      throw new RefusedError(`the token was refused (${e.code}: ${e.message}); a drill needs a drill officer's token`);
    }
    if (me.drill) {
      throw new RefusedError(`this is a drill token of ${me.user.id}; a drill needs a drill officer's own token (it issues the drill tokens)`);
    }
    if (!me.user.drillOfficer) {
      throw new RefusedError(`${me.user.id} is not a drill officer; refusing to run a drill with this token`);
    }
    return token;
  }

  async run(): Promise<DrillRunResult> {
    const o = this.#opts;
    const officerToken = await this.#officer();
    const topology = await apiFetch<VisibleTopology>(o.url, '/api/topology', { token: officerToken });

    // Links, posts and the users to simulate.
    let links: Link[] = topology.links;
    if (o.links) {
      const unknown = o.links.filter((id) => !topology.links.some((l) => l.id === id));
      if (unknown.length) throw new UsageError(`--links: unknown link${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${topology.links.map((l) => l.id).join(', ')})`);
      links = topology.links.filter((l) => o.links!.includes(l.id));
    }
    const postIds = new Set(links.flatMap((l) => l.posts));
    const posts: Post[] = topology.posts.filter((p) => postIds.has(p.id));
    const postById = new Map(topology.posts.map((p) => [p.id, p]));
    const operatorOf = new Map<string, PublicUser>();
    for (const postId of postIds) {
      const users = topology.users.filter((u) => u.role === 'operator' && u.post === postId);
      const op = users.find((u) => !u.supervisor) ?? users[0];
      if (!op) throw new UsageError(`post ${postId} has no operator to simulate; leave its links out with --links`);
      operatorOf.set(postId, op);
    }
    const supervisors = topology.users.filter((u) => u.role === 'operator' && u.supervisor && u.post && postIds.has(u.post) && operatorOf.get(u.post)?.id !== u.id);
    const commanders = topology.users.filter(
      (u) => u.role === 'commander' && (u.joint || posts.some((p) => (u.sectors ?? []).includes(p.sector))),
    );

    const plan = planDrill(o, links, posts, this.#planRng);
    this.counters.plannedMs = plan.endMs;

    // Drill tokens: everything sent with them must be (and is) marked drill.
    const wanted = [...operatorOf.values(), ...supervisors, ...commanders].map((u) => u.id);
    let tokens: Record<string, { token: string; role: string; post: string | null }>;
    try {
      const ttl = Math.min(24 * 3_600_000, plan.endMs + o.settleMs + 30 * 60_000);
      tokens = (await apiFetch<{ tokens: typeof tokens }>(o.url, '/api/drill/tokens', { token: officerToken, body: { users: wanted, ttl } })).tokens;
    } catch (err) {
      const e = errorOf(err);
      throw new RefusedError(`the service refused drill tokens (${e.code}: ${e.message})`);
    }

    const userKinds: Record<string, ResponderKind> = {};
    const sims: SimUser[] = [];
    const linkIds = new Set(links.map((l) => l.id));
    const covers = (u: PublicUser, postId: string) => u.joint === true || (u.sectors ?? []).includes(postById.get(postId)?.sector ?? '');
    for (const u of [...operatorOf.values(), ...supervisors, ...commanders]) {
      const kind = u.role === 'commander' ? 'commander' : operatorOf.get(u.post ?? '')?.id === u.id ? 'operator' : 'supervisor';
      const userLinks =
        kind === 'commander' ? links.filter((l) => covers(u, l.posts[0]) || covers(u, l.posts[1])).map((l) => l.id) : links.filter((l) => l.posts.includes(u.post!)).map((l) => l.id);
      userKinds[u.id] = kind === 'operator' ? 'counterpart' : kind;
      sims.push({
        id: u.id,
        kind,
        post: u.post ?? null,
        sectors: u.sectors ?? [],
        joint: u.joint === true,
        links: userLinks,
        client: undefined as unknown as HotlineClient,
      });
    }

    // The head of every link just before the drill: the consoles start there, the check too.
    const startHeads: Record<string, LinkHead> = {};
    for (const sim of sims.filter((s) => s.kind === 'operator')) {
      const { links: summaries } = await apiFetch<{ links: { linkId: string; head: LinkHead }[] }>(o.url, '/api/links', { token: tokens[sim.id]!.token });
      for (const s of summaries) if (linkIds.has(s.linkId)) startHeads[s.linkId] ??= s.head;
    }

    // --- observation state -----------------------------------------------------------------------
    const sends: SendRecord[] = [];
    const actions: ActionRecord[] = [];
    const deliveries = new Map<string, DeliveryLog>();
    const counterpartArrival: Record<string, number> = {};
    const escalationsSeen: EscalationSeen[] = [];
    const forks: DrillObservations['forks'] = [];
    const alerts = new Map<string, AlertState>();
    const opByPost = new Map<string, SimUser>();
    const responderTimers = new Set<ReturnType<typeof setTimeout>>();
    const inflight = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>) => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    };
    const countError = (what: string, err: unknown) => {
      this.counters.errors++;
      const e = errorOf(err);
      if (this.counters.errors <= 5) this.#log(`error: ${what}: ${e.code}: ${e.message}`);
      return e;
    };

    const act = (sim: SimUser, action: ActionRecord['action'], alertId: string, by: ResponderKind, text?: string, expected: readonly string[] = []) => {
      const record: ActionRecord = { action, alertId, userId: sim.id, by, requestedAt: Date.now() };
      actions.push(record);
      const call =
        action === 'ack' ? sim.client.ackAlert(alertId, text) : action === 'cancel' ? sim.client.cancelAlert(alertId, text) : sim.client.resolveAlert(alertId, text ?? 'EXERCISE ended');
      return track(
        call.then(
          (r) => {
            record.tookMs = Date.now() - record.requestedAt;
            record.stored = r.entry ? { seq: r.entry.seq, hash: r.entry.hash } : null;
            return record;
          },
          (err: unknown) => {
            record.tookMs = Date.now() - record.requestedAt;
            const e = errorOf(err);
            record.error = expected.includes(e.code) ? e : countError(`${action} ${alertId}`, err);
            return record;
          },
        ),
      );
    };

    const respondLater = (sim: SimUser, alertId: string, by: ResponderKind, delayMs: number) => {
      const timer = setTimeout(() => {
        responderTimers.delete(timer);
        if (alerts.get(alertId)?.state !== 'open') return; // someone else was quicker
        void act(sim, 'ack', alertId, by, by === 'counterpart' ? 'EXERCISE: seen, acknowledged' : 'EXERCISE: acknowledged on escalation');
      }, delayMs);
      responderTimers.add(timer);
    };

    const onEntry = (sim: SimUser, e: Entry) => {
      const now = Date.now();
      const key = `${sim.id}|${e.linkId}`;
      let d = deliveries.get(key);
      if (!d) deliveries.set(key, (d = { userId: sim.id, linkId: e.linkId, seqs: [], hashes: [] }));
      d.seqs.push(e.seq);
      d.hashes.push(e.hash);
      const atCounterpart = sim.kind === 'operator' && e.actor.postId !== null && e.actor.postId !== sim.post;
      if (e.type === 'message' && e.payload.clientMsgId.startsWith(this.runTag)) {
        if (atCounterpart) counterpartArrival[e.payload.clientMsgId] ??= now;
        return;
      }
      if (e.type === 'alert.raised' && e.payload.clientAlertId.startsWith(this.runTag)) {
        const link = links.find((l) => l.id === e.linkId)!;
        const raiser = e.actor.postId!;
        if (!alerts.has(e.payload.alertId)) {
          alerts.set(e.payload.alertId, {
            alertId: e.payload.alertId,
            linkId: e.linkId,
            raiserPostId: raiser,
            counterpartPostId: link.posts[0] === raiser ? link.posts[1] : link.posts[0],
            state: 'open',
          });
        }
        if (atCounterpart) {
          counterpartArrival[e.payload.clientAlertId] ??= now;
          if (this.#responderRng.chance(o.ackProbability)) respondLater(sim, e.payload.alertId, 'counterpart', sampleDelay(o.ackDelay, this.#responderRng));
        }
        return;
      }
      if (!e.type.startsWith('alert.')) return; // messages, receipts, keys, line checks, message escalations
      const alert = alerts.get((e.payload as { alertId: string }).alertId);
      if (!alert) return;
      // Count each transition once: as the raising post's console sees it.
      const counting = sim.kind === 'operator' && sim.post === alert.raiserPostId;
      switch (e.type) {
        case 'alert.acknowledged':
          if (alert.state === 'open') alert.state = 'acknowledged';
          if (counting) this.counters.acknowledged++;
          break;
        case 'alert.cancelled':
          alert.state = 'cancelled';
          break;
        case 'alert.resolved':
          alert.state = 'resolved';
          break;
        case 'alert.escalated':
          if (counting) this.counters.escalated++;
          break;
        default:
          break;
      }
    };

    const mayAcknowledge = (sim: SimUser, alert: AlertState) =>
      sim.kind === 'supervisor' ? sim.post === alert.counterpartPostId : sim.kind === 'commander' && (sim.joint || sim.sectors.includes(postById.get(alert.counterpartPostId)?.sector ?? ''));

    const onEscalation = (sim: SimUser, esc: Escalation) => {
      if (esc.subject !== 'alert' || !esc.alertId) return; // the drill sends routine messages: no message deadlines
      escalationsSeen.push({ userId: sim.id, alertId: esc.alertId, step: esc.step, level: esc.level, position: esc.position, entrySeq: esc.entrySeq, at: Date.now() });
      const alert = alerts.get(esc.alertId);
      if (!alert || !esc.drill || alert.state !== 'open' || !mayAcknowledge(sim, alert)) return;
      if (this.#responderRng.chance(o.escalationAckProbability)) {
        respondLater(sim, esc.alertId, sim.kind === 'supervisor' ? 'supervisor' : 'commander', sampleDelay(o.escalationAckDelay, this.#responderRng));
      }
    };

    // --- connect ---------------------------------------------------------------------------------
    this.#log(
      `drill ${this.runTag}: ${links.length} links, ${operatorOf.size} posts, ${supervisors.length} supervisors, ${commanders.length} commanders; ` +
        `plan: ${plan.alerts.length} alerts${plan.bursts.length ? ` (${plan.bursts.length} bursts)` : ''}, ${plan.messages.length} messages in ${formatDuration(plan.endMs)}`,
    );
    const closeAll = () => {
      for (const s of sims) s.client?.close();
    };
    try {
      await pool(sims, 8, async (sim) => {
        const cursors: Record<string, { seq: number; hash: string }> = {};
        for (const id of sim.links) cursors[id] = startHeads[id] ?? { seq: 0, hash: '0'.repeat(64) };
        // Node's own crypto signs: WebCrypto in Node costs three times the CPU per signature (node-crypto.ts).
        const client = new HotlineClient({ url: o.url, token: tokens[sim.id]!.token, links: sim.links, cursors, ackTimeoutMs: o.ackTimeoutMs, crypto: nodeClientCrypto });
        sim.client = client;
        client.on('entry', (e) => onEntry(sim, e));
        client.on('escalation', (e) => onEscalation(sim, e));
        client.on('fork', (f) => forks.push({ userId: sim.id, ...f }));
        try {
          await client.connect();
        } catch (err) {
          throw new Error(`${sim.id} could not connect: ${errorOf(err).message}`, { cause: err });
        }
      });
    } catch (err) {
      closeAll();
      throw err;
    }
    for (const sim of sims) if (sim.kind === 'operator') opByPost.set(sim.post!, sim);

    // --- send ------------------------------------------------------------------------------------
    this.counters.phase = 'sending';
    const startedAt = Date.now();
    this.#startedAt = startedAt;
    const counterpartOf = (linkId: string, postId: string) => {
      const link = links.find((l) => l.id === linkId)!;
      return opByPost.get(link.posts[0] === postId ? link.posts[1] : link.posts[0])!.id;
    };
    const postName = (id: string) => postById.get(id)?.name ?? id;
    let ai = 0;
    let mi = 0;
    const sendDue = () => {
      const now = Date.now() - startedAt;
      while (ai < plan.alerts.length && plan.alerts[ai]!.at <= now && !this.#abort) {
        const p = plan.alerts[ai++]!;
        const sender = opByPost.get(p.raiserPostId)!;
        const record: SendRecord = {
          kind: 'alert',
          clientId: `${this.runTag}-a${ai}`,
          linkId: p.linkId,
          fromPostId: p.raiserPostId,
          senderUserId: sender.id,
          counterpartUserId: counterpartOf(p.linkId, p.raiserPostId),
          plannedAt: p.at,
          sentAt: Date.now(),
          burst: p.burst,
        };
        sends.push(record);
        this.counters.alertsSent++;
        this.#recent.push({ at: record.sentAt, kind: 'alert' });
        void track(
          sender.client
            .raiseAlert({
              linkId: p.linkId,
              clientAlertId: record.clientId,
              kind: p.kind,
              severity: p.severity,
              description: `EXERCISE ${this.runTag}: ${p.kind.replace(/-/g, ' ')} reported near ${postName(p.raiserPostId)}${p.burst !== null ? ` (burst ${p.burst + 1})` : ''}`,
              drill: true,
            })
            .then(
              (r) => {
                record.storedAt = Date.now();
                if (r.entry) record.stored = { seq: r.entry.seq, hash: r.entry.hash, ts: r.entry.ts, alertId: r.alert.alertId };
                this.counters.alertsStored++;
              },
              (err: unknown) => {
                record.error = countError(`raise on ${p.linkId}`, err);
              },
            ),
        );
      }
      while (mi < plan.messages.length && plan.messages[mi]!.at <= now && !this.#abort) {
        const p = plan.messages[mi++]!;
        const sender = opByPost.get(p.fromPostId)!;
        const record: SendRecord = {
          kind: 'message',
          clientId: `${this.runTag}-m${mi}`,
          linkId: p.linkId,
          fromPostId: p.fromPostId,
          senderUserId: sender.id,
          counterpartUserId: counterpartOf(p.linkId, p.fromPostId),
          plannedAt: p.at,
          sentAt: Date.now(),
          burst: null,
        };
        sends.push(record);
        this.counters.messagesSent++;
        this.#recent.push({ at: record.sentAt, kind: 'message' });
        void track(
          sender.client.send(p.linkId, `EXERCISE ${this.runTag}: radio check ${mi} from ${postName(p.fromPostId)}`, { drill: true, clientMsgId: record.clientId }).then(
            (r) => {
              record.storedAt = Date.now();
              record.stored = { seq: r.entry.seq, hash: r.entry.hash, ts: r.entry.ts };
              this.counters.messagesStored++;
            },
            (err: unknown) => {
              record.error = countError(`message on ${p.linkId}`, err);
            },
          ),
        );
      }
    };
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        sendDue();
        const done = (ai >= plan.alerts.length && mi >= plan.messages.length) || this.#abort;
        if (done) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const sendingEndedAt = Date.now();
    if (this.#abort) this.#log('stopping early: no more sends; settling, cleaning up and checking what was sent');

    // --- settle: sends confirmed, pending responses given their time -------------------------------
    this.counters.phase = 'settling';
    const settleDeadline = Date.now() + o.settleMs;
    const confirmDeadline = Date.now() + Math.max(o.settleMs, 30_000);
    while (sends.some((s) => !s.stored && !s.error) && Date.now() < confirmDeadline) await until(100);
    let unconfirmed = 0;
    for (const s of sends) {
      if (!s.stored && !s.error) {
        unconfirmed++;
        s.error = { code: 'UNCONFIRMED', message: 'no answer before the drill ended' };
        this.counters.errors++;
      }
    }
    while ((responderTimers.size > 0 || inflight.size > 0) && Date.now() < settleDeadline && !this.#abort) await until(100);
    const droppedResponses = responderTimers.size;
    for (const t of responderTimers) clearTimeout(t);
    responderTimers.clear();
    await Promise.race([Promise.allSettled([...inflight]), until(Math.max(10_000, o.ackTimeoutMs * 3))]);

    // --- clean up: nothing of the drill keeps escalating after it ----------------------------------
    this.counters.phase = 'cleaning up';
    if (!o.keepOpen) {
      const jobs: Promise<unknown>[] = [];
      for (const a of alerts.values()) {
        const raiser = opByPost.get(a.raiserPostId)!;
        const counterpart = opByPost.get(a.counterpartPostId)!;
        if (a.state === 'open') {
          jobs.push(
            act(raiser, 'cancel', a.alertId, 'cleanup', 'EXERCISE ended: cancelled by the drill runner', [ErrorCode.CONFLICT]).then((r) => {
              // Acknowledged in the meantime: resolve it instead.
              if (r.error?.code === ErrorCode.CONFLICT) return act(counterpart, 'resolve', a.alertId, 'cleanup', 'EXERCISE ended: resolved by the drill runner');
              return r;
            }),
          );
        } else if (a.state === 'acknowledged') {
          jobs.push(act(counterpart, 'resolve', a.alertId, 'cleanup', 'EXERCISE ended: resolved by the drill runner'));
        }
      }
      await Promise.allSettled(jobs);
    }

    // --- final sync ------------------------------------------------------------------------------
    this.counters.phase = 'checking';
    const syncer = (linkId: string) => opByPost.get(links.find((l) => l.id === linkId)!.posts[0])!.client;
    const heads = async () => {
      const out: Record<string, number> = {};
      for (const l of links) {
        const r = await syncer(l.id).request('sync', { cursors: { [l.id]: Number.MAX_SAFE_INTEGER }, limit: 1 });
        out[l.id] = r.heads[l.id]?.seq ?? 0;
      }
      return out;
    };
    // Wait until the logs are quiet (delivered receipts and cleanup entries written), at most 15 s.
    let previous = await heads();
    for (let i = 0; i < 30; i++) {
      await until(500);
      const now = await heads();
      if (links.every((l) => now[l.id] === previous[l.id])) break;
      previous = now;
    }
    const finalLogs: Record<string, Entry[]> = {};
    for (const l of links) {
      const entries: Entry[] = [];
      let cursor = startHeads[l.id]?.seq ?? 0;
      for (;;) {
        const page = await syncer(l.id).request('sync', { cursors: { [l.id]: cursor }, limit: 1000 });
        entries.push(...page.entries);
        if (page.entries.length) cursor = page.entries[page.entries.length - 1]!.seq;
        if (!page.hasMore) break;
      }
      finalLogs[l.id] = entries;
    }
    const finalSyncAt = Date.now();
    // Every console catches up (live pushes it missed come by sync) before its view is compared.
    await Promise.allSettled(sims.map((s) => Promise.all([s.client.sync(), s.kind === 'operator' ? null : s.client.catchUpInbox()])));
    const headOf = (id: string) => (finalLogs[id]?.length ? finalLogs[id]![finalLogs[id]!.length - 1]!.seq : (startHeads[id]?.seq ?? 0));
    const lagging = () => sims.some((s) => s.links.some((id) => s.client.cursor(id) < headOf(id)));
    for (let i = 0; i < 20 && lagging(); i++) {
      await until(500);
      await Promise.allSettled(sims.map((s) => s.client.sync()));
    }
    closeAll();
    this.counters.phase = 'done';

    const observations: DrillObservations = {
      runTag: this.runTag,
      startedAt,
      sendingEndedAt,
      finalSyncAt,
      links,
      policies: topology.escalationPolicies,
      startHeads,
      finalLogs,
      sends,
      actions,
      deliveries: [...deliveries.values()],
      counterpartArrival,
      escalationsSeen,
      simulatedUsers: sims.map((s) => s.id),
      userKinds,
      forks,
      unconfirmed,
      droppedResponses,
    };
    return {
      observations,
      plan,
      users: {
        operators: sims.filter((s) => s.kind === 'operator').map((s) => s.id),
        supervisors: sims.filter((s) => s.kind === 'supervisor').map((s) => s.id),
        commanders: sims.filter((s) => s.kind === 'commander').map((s) => s.id),
      },
      aborted: this.#abort,
    };
  }
}
