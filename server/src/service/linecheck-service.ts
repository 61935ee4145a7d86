import {
  AppError,
  ErrorCode,
  makeAlertId,
  makeLineCheckId,
  type Alert,
  type Entry,
  type EntryDraft,
  type Link,
  type LineCheck,
  type LineCheckAnswerRequest,
  type LineCheckAnswerResult,
} from '@hotline/shared';
import { lineFaultParties } from '../domain/line-fault.js';
import { latestSlotAtOrBefore, nextSlotAfter, slotsBetween } from '../domain/schedule.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { CloseLineCheckJobData } from '../escalation/jobs.js';
import type { EscalationScheduler } from '../escalation/queue.js';
import type { Logger } from '../log.js';
import type { LineCheckStore } from '../store/linecheck-store.js';
import type { LinkLog } from '../store/link-log.js';
import type { AlertService } from './alert-service.js';
import type { Broadcaster } from './broadcaster.js';
import type { PresenceService } from './presence-service.js';
import type { SignatureService } from './signature-service.js';

/**
 * Scheduled line checks. At each scheduled time the server appends a `linecheck.started` entry to the
 * link; each post answers within the window (`linecheck:answer`, a signed entry quoting the check);
 * when the window closes, `linecheck.closed` records who answered and who did not, and an unanswered
 * check raises a line-fault alert that escalates by its policy.
 *
 * Every node ticks; a check is claimed by an atomic append that also moves the link's "next check"
 * mark, so each time fires once however many nodes run or restart together. After an outage the
 * first tick finds the mark in the past and starts one check for the latest time, marked late with the
 * number of times missed: one check, not a burst.
 */
export class LineCheckService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #checks: LineCheckStore;
  readonly #scheduler: EscalationScheduler;
  readonly #sigs: SignatureService;
  readonly #alerts: AlertService;
  readonly #presence: PresenceService;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #lateAfterMs: number;

  constructor(deps: {
    topo: TopologyIndex;
    log: LinkLog;
    checks: LineCheckStore;
    scheduler: EscalationScheduler;
    signatures: SignatureService;
    alerts: AlertService;
    presence: PresenceService;
    broadcaster: Broadcaster;
    logger: Logger;
    /** A check started more than this after its time is marked late. */
    lateAfterMs: number;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#checks = deps.checks;
    this.#scheduler = deps.scheduler;
    this.#sigs = deps.signatures;
    this.#alerts = deps.alerts;
    this.#presence = deps.presence;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#lateAfterMs = deps.lateAfterMs;
  }

  get scheduledLinks(): Link[] {
    return this.#topo.links.filter((l) => l.lineCheck);
  }

  /** One round on this node: starts every check that is due. Returns the checks started here. */
  async tick(now = Date.now()): Promise<string[]> {
    const links = this.scheduledLinks;
    if (links.length === 0) return [];
    const nexts = await this.#checks.next(links.map((l) => l.id));
    const started: string[] = [];
    for (const [i, link] of links.entries()) {
      const next = nexts[i] ?? null;
      if (next === null) {
        // First sight of this schedule: the first check is the next scheduled time from now.
        await this.#checks.initNext(link.id, nextSlotAfter(link.lineCheck!, now));
        continue;
      }
      if (next <= now) {
        const id = await this.#start(link, now);
        if (id) started.push(id);
      }
    }
    return started;
  }

  async #start(link: Link, now: number): Promise<string | null> {
    const schedule = link.lineCheck!;
    let check: LineCheck | undefined;
    const outcome = await this.#log.appendOnce<null>(link.id, [this.#checks.readNext(link.id)], ({ values }) => {
      const next = this.#checks.decodeNext(values[0] ?? null);
      if (next === null || next > now) return { write: false, result: null }; // another node claimed it
      const slot = Math.max(next, latestSlotAtOrBefore(schedule, now));
      const missedSlots = slotsBetween(schedule, next, slot);
      return {
        write: true,
        draft: ({ seq, ts }): EntryDraft => {
          const checkId = makeLineCheckId(link.id, slot);
          const late = missedSlots > 0 || ts - slot > this.#lateAfterMs;
          check = {
            checkId,
            linkId: link.id,
            startedSeq: seq,
            startedHash: '',
            slotAt: slot,
            startedAt: ts,
            windowEndsAt: ts + schedule.window,
            late,
            missedSlots,
            posts: [...link.posts],
            answers: {},
            state: 'open',
            missed: [],
            alertId: null,
          };
          return {
            linkId: link.id,
            type: 'linecheck.started',
            actor: { userId: 'system', role: 'system', postId: null },
            drill: false,
            payload: { checkId, slotAt: slot, late, missedSlots, windowEndsAt: check.windowEndsAt, posts: [...link.posts] },
          };
        },
        idempotency: { key: `lc:${slot}`, digest: String(slot) },
        project: (entry) => {
          check!.startedHash = entry.hash;
          return [this.#checks.writeNext(link.id, nextSlotAfter(schedule, Math.max(now, entry.ts))), ...this.#checks.write(check!, { created: true })];
        },
        result: () => null,
      };
    });
    if (outcome.kind !== 'appended' || !check) return null;
    this.#broadcast.entry(outcome.entry);
    await this.#scheduler.scheduleLineCheckClose({ linkId: link.id, checkId: check.checkId }, check.windowEndsAt);
    this.#logger.info({ linkId: link.id, checkId: check.checkId, late: check.late, missedSlots: check.missedSlots }, 'line check started');
    return check.checkId;
  }

  /** linecheck:answer: an operator answers a check for their post, within its window. */
  async answer(principal: Principal, req: LineCheckAnswerRequest): Promise<LineCheckAnswerResult> {
    const link = this.#topo.readableLink(principal, req.linkId);
    if (!this.#topo.canSend(principal, link)) throw new AppError(ErrorCode.FORBIDDEN, 'only the operators of the two posts answer line checks');
    if (req.sig && req.quotedHash === undefined) throw new AppError(ErrorCode.VALIDATION_FAILED, 'a signed answer quotes the hash of the check');
    const postId = principal.postId!;
    const signing = await this.#sigs.check(principal, 'linecheck:answer', req, req.sig);
    const actor = { userId: principal.userId, role: principal.role, postId };
    let next: LineCheck | undefined;
    const outcome = await this.#sigs.append<LineCheckAnswerResult>(
      link.id,
      signing,
      actor,
      [this.#checks.read(link.id, req.checkId)],
      ({ values }) => {
        const check = this.#checks.decode(values[0] ?? null);
        if (!check) throw new AppError(ErrorCode.NOT_FOUND, `no line check ${req.checkId} on ${link.id}`);
        if (req.quotedHash !== undefined && req.quotedHash !== check.startedHash) {
          throw new AppError(ErrorCode.CONFLICT, 'quotedHash is not the hash of this check', { details: { hash: check.startedHash } });
        }
        if (check.answers[postId]) return { write: false, result: { entry: null, check } };
        if (check.state === 'closed' || Date.now() > check.windowEndsAt) {
          throw new AppError(ErrorCode.CONFLICT, 'the answer window of this check has closed', { details: { check } });
        }
        return {
          write: true,
          draft: {
            linkId: link.id,
            type: 'linecheck.answered',
            actor,
            drill: false,
            payload: { checkId: check.checkId, postId, quotedHash: check.startedHash },
          },
          project: (entry) => {
            next = { ...check, answers: { ...check.answers, [postId]: { at: entry.ts, userId: principal.userId, seq: entry.seq } } };
            return this.#checks.write(next);
          },
          result: (entry) => ({ entry, check: next! }),
        };
      },
    );
    if (outcome.kind === 'appended') this.#broadcast.entry(outcome.entry);
    return outcome.result;
  }

  /**
   * The window of a check closed: records who answered and who did not; an unanswered check raises a
   * line-fault alert in the same atomic step. Idempotent (a closed check is left alone).
   */
  async close(job: CloseLineCheckJobData): Promise<{ missed: string[]; alertId: string | null } | null> {
    const link = this.#topo.link(job.linkId);
    if (!link) throw new AppError(ErrorCode.NOT_FOUND, `unknown link ${job.linkId}`);
    const pre = await this.#checks.get(link.id, job.checkId);
    if (!pre) throw new AppError(ErrorCode.NOT_FOUND, `no line check ${job.checkId}`);
    // Presence of the posts that have not answered, read before the atomic close (which can only find
    // fewer of them silent: answers are added, never removed).
    const silent = pre.posts.filter((p) => !pre.answers[p]);
    const online = new Map(await Promise.all(silent.map(async (p) => [p, await this.#presence.onlineNow(p)] as const)));
    const sel = this.#topo.topology.policySelection;
    const policyId = link.lineCheck?.policy ?? sel.lineFault ?? sel.default;
    let alert: Alert | undefined;
    let closed: LineCheck | undefined;
    const outcome = await this.#log.append<{ missed: string[]; alertId: string | null } | null>(
      link.id,
      [this.#checks.read(link.id, job.checkId)],
      ({ head, values }) => {
        const check = this.#checks.decode(values[0] ?? null);
        if (!check || check.state === 'closed') return { write: false, result: null };
        const answered = check.posts.filter((p) => check.answers[p]);
        const missed = check.posts.filter((p) => !check.answers[p]);
        const closedDraft = (alertId: string | null): EntryDraft => ({
          linkId: link.id,
          type: 'linecheck.closed',
          actor: { userId: 'system', role: 'system', postId: null },
          drill: false,
          payload: { checkId: check.checkId, answered, missed, alertId },
        });
        if (missed.length === 0) {
          closed = { ...check, state: 'closed', missed: [] };
          return { write: true, draft: closedDraft(null), project: () => this.#checks.write(closed!), result: () => ({ missed, alertId: null }) };
        }
        // linecheck.closed at head+1, the line-fault alert.raised at head+2, in one append.
        const alertId = makeAlertId(link.id, head.seq + 2);
        closed = { ...check, state: 'closed', missed, alertId };
        const parties = lineFaultParties(link.posts, missed, (p) => online.get(p) === true);
        const names = missed.map((p) => this.#topo.post(p)?.name ?? p).join(' and ');
        return {
          write: true,
          prelude: [closedDraft(alertId)],
          draft: (slot) =>
            this.#alerts.systemAlertDraft({
              linkId: link.id,
              slot,
              kind: 'line-fault',
              severity: 2,
              description: `Line check ${new Date(check.slotAt).toISOString()} not answered by ${names}`,
              policyId,
              counterpartOnline: parties.counterpartOnline,
              lineCheckId: check.checkId,
            }),
          project: (entry: Entry) => {
            const raised = this.#alerts.raised(entry, parties);
            alert = raised.alert;
            return [...this.#checks.write(closed!), ...raised.ops];
          },
          result: () => ({ missed, alertId }),
        };
      },
    );
    if (outcome.kind !== 'appended') return outcome.kind === 'unchanged' ? outcome.result : null;
    for (const e of [...outcome.prelude, outcome.entry]) this.#broadcast.entry(e);
    if (alert) await this.#alerts.afterRaise(alert);
    this.#logger.info({ linkId: link.id, checkId: job.checkId, missed: closed?.missed ?? [], alertId: alert?.alertId ?? null }, 'line check closed');
    return outcome.result;
  }

  /** Line checks of a link started in [from, to]. */
  between(linkId: string, from: number, to: number): Promise<LineCheck[]> {
    return this.#checks.between(linkId, from, to);
  }
}
