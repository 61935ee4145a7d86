import {
  AppError,
  ErrorCode,
  foldAlert,
  type Alert,
  type Entry,
  type EntryDraft,
  type EscalationPolicy,
  type EscalationTarget,
  type Escalation,
  type InboxResult,
  type MessageDeadline,
} from '@hotline/shared';
import { foldDeadline } from '../domain/deadline-fold.js';
import { planStep, type PlannedStep } from '../domain/escalation-plan.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { EscalateJobData } from '../escalation/jobs.js';
import type { EscalationScheduler } from '../escalation/queue.js';
import type { Logger } from '../log.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeadlineStore } from '../store/deadline-store.js';
import type { InboxStore } from '../store/inbox.js';
import type { FieldRead, LinkLog, ProjectionOp } from '../store/link-log.js';
import type { Broadcaster } from './broadcaster.js';

export type FireOutcome =
  | { result: 'escalated'; step: number; targets: string[]; lateMs: number }
  | { result: 'already'; step: number }
  | { result: 'skipped'; reason: string };

/** What one try of a fire found: an outcome, or a step not due yet (its job ran ahead of it). */
type FireTry = FireOutcome | { result: 'early'; dueAt: number };

/**
 * A job that runs more than this ahead of its step's due time is not held (it fails and BullMQ retries
 * it later): the scheduler's lead is tens of milliseconds, so this only guards against a mistake.
 */
const MAX_EARLY_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reaches targets away from the console (push, gateways); called once per step with all its targets, idempotent. */
export interface EscalationNotifier {
  escalated(userIds: readonly string[], escalation: Omit<Escalation, 'position'>): Promise<void>;
}

/** Observes escalations for metrics. */
export interface EscalationObserver {
  escalated(subject: 'alert' | 'message', drill: boolean, level: number, lateMs: number): void;
}

/** What the engine needs to know of a thing that escalates: an alert, or a message deadline. */
interface EscalationState {
  linkId: string;
  step: number;
  nextEscalationAt: number | null;
  drill: boolean;
  policyId: string;
  escalations: { step: number; level: number; at: number }[];
}

interface Subject<S extends EscalationState> {
  kind: 'alert' | 'message';
  entryType: 'alert.escalated' | 'message.escalated';
  read(linkId: string, id: string): FieldRead;
  /** The state from the snapshot value of `read` (null when absent). */
  decode(raw: string | null): S | null;
  get(linkId: string, id: string): Promise<S | null>;
  idOf(s: S): string;
  /** seq of the entry that started it (escalation entries come after). */
  origin(s: S): number;
  /** Still waiting for an acknowledgement. */
  isOpen(s: S): boolean;
  /** The time level delays count from, and whether step 1 fires at once. */
  clock(s: S, policy: EscalationPolicy): { from: number; immediate: boolean };
  posts(s: S): { raiser: string; counterpart: string };
  payload(s: S, planned: PlannedStep, targets: string[], kinds: EscalationTarget[], nextEscalationAt: number | null, immediate: boolean): EntryDraft['payload'];
  /** The state after one of its escalation entries (the projection's fold). */
  fold(s: S, entry: Entry): S;
  write(s: S): ProjectionOp[];
  notice(s: S): Pick<Escalation, 'alertId' | 'alert' | 'message'>;
}

/**
 * Fires escalation steps of alerts and of flash/immediate messages nobody acknowledged in time. The
 * check ("still unacknowledged, still at the step before") and the write (the escalated entry and the
 * new state) are one atomic append, so however many workers on however many nodes run the same job,
 * each step is recorded once, and never after an acknowledgement. Notifying and scheduling the next
 * step follow, idempotently, so a job retried after a crash finishes the work without repeating the
 * entry.
 */
export class EscalationService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #inbox: InboxStore;
  readonly #scheduler: EscalationScheduler;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #observer: EscalationObserver | undefined;
  readonly #notifier: EscalationNotifier | undefined;
  readonly #subjects: { alert: Subject<Alert>; message: Subject<MessageDeadline> };

  constructor(deps: {
    topo: TopologyIndex;
    log: LinkLog;
    alerts: AlertStore;
    deadlines: DeadlineStore;
    inbox: InboxStore;
    scheduler: EscalationScheduler;
    broadcaster: Broadcaster;
    logger: Logger;
    observer?: EscalationObserver;
    notifier?: EscalationNotifier;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#inbox = deps.inbox;
    this.#scheduler = deps.scheduler;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#observer = deps.observer;
    this.#notifier = deps.notifier;
    const alerts = deps.alerts;
    const deadlines = deps.deadlines;
    this.#subjects = {
      alert: {
        kind: 'alert',
        entryType: 'alert.escalated',
        read: (linkId, id) => alerts.read(linkId, id),
        decode: (raw) => alerts.decode(raw),
        get: (linkId, id) => alerts.get(linkId, id),
        idOf: (a) => a.alertId,
        origin: (a) => a.raisedSeq,
        isOpen: (a) => a.state === 'open',
        clock: (a, policy) => ({ from: a.raisedAt, immediate: !a.counterpartOnline && policy.onCounterpartOffline === 'escalate-now' }),
        posts: (a) => ({ raiser: a.raiserPostId, counterpart: a.counterpartPostId }),
        payload: (a, planned, targets, kinds, nextEscalationAt, immediate) => ({
          alertId: a.alertId,
          step: planned.step,
          level: planned.level,
          repeat: planned.repeat,
          dueAt: planned.dueAt,
          targets,
          targetKinds: kinds,
          reason: immediate && planned.step === 1 ? 'counterpart-offline' : 'timeout',
          nextEscalationAt,
        }),
        fold: foldAlert,
        write: (a) => alerts.write(a),
        notice: (a) => ({ alertId: a.alertId, alert: a }),
      },
      message: {
        kind: 'message',
        entryType: 'message.escalated',
        read: (linkId, id) => deadlines.read(linkId, id),
        decode: (raw) => deadlines.decode(raw),
        get: (linkId, id) => deadlines.get(linkId, id),
        idOf: (d) => d.id,
        origin: (d) => d.seq,
        isOpen: (d) => d.state === 'awaiting',
        clock: (d) => ({ from: d.deadlineAt, immediate: false }),
        posts: (d) => ({ raiser: d.senderPostId, counterpart: d.counterpartPostId }),
        payload: (d, planned, targets, kinds, nextEscalationAt) => ({
          deadlineId: d.id,
          messageSeq: d.seq,
          step: planned.step,
          level: planned.level,
          repeat: planned.repeat,
          dueAt: planned.dueAt,
          targets,
          targetKinds: kinds,
          nextEscalationAt,
        }),
        fold: foldDeadline,
        write: (d) => deadlines.write(d),
        notice: (d) => ({ message: d }),
      },
    };
  }

  /**
   * Fires a step: waits for its due time if its job ran ahead of it (the scheduler's lead), then writes
   * the escalation if the alert or message is still open at the step before. Never writes a step
   * before its due time: the write itself checks it against the policy and the server's clock.
   */
  async fire(job: EscalateJobData): Promise<FireOutcome> {
    for (;;) {
      const ahead = job.dueAt === undefined ? 0 : job.dueAt - Date.now();
      if (ahead > MAX_EARLY_MS) throw new AppError(ErrorCode.CONFLICT, `step ${job.step} of ${job.id} is not due for ${ahead} ms`);
      if (ahead > 0) await sleep(ahead);
      const outcome = job.subject === 'message' ? await this.#fire(this.#subjects.message, job) : await this.#fire(this.#subjects.alert, job);
      if (outcome.result !== 'early') return outcome;
    }
  }

  async #fire<S extends EscalationState>(subject: Subject<S>, job: EscalateJobData): Promise<FireTry> {
    const link = this.#topo.link(job.linkId);
    if (!link) throw new AppError(ErrorCode.NOT_FOUND, `unknown link ${job.linkId}`);
    let escalated: S | undefined;
    let targets: string[] = [];
    const outcome = await this.#log.append<FireTry>(link.id, [subject.read(link.id, job.id)], ({ values }) => {
      const state = subject.decode(values[0] ?? null);
      if (!state) throw new AppError(ErrorCode.NOT_FOUND, `no ${subject.kind} ${job.id}`);
      if (!subject.isOpen(state)) return { write: false, result: { result: 'skipped', reason: `${subject.kind} is acknowledged or closed` } };
      if (state.step >= job.step) return { write: false, result: { result: 'already', step: job.step } };
      if (state.step !== job.step - 1) return { write: false, result: { result: 'skipped', reason: `${subject.kind} is at step ${state.step}` } };
      const policy = this.#topo.policy(state.policyId);
      if (!policy) throw new AppError(ErrorCode.NOT_FOUND, `policy ${state.policyId} is gone from the topology`);
      const { from, immediate } = subject.clock(state, policy);
      const planned = planStep(policy, from, job.step, immediate);
      if (!planned) return { write: false, result: { result: 'skipped', reason: 'no such step in the policy' } };
      // Not before the time the job was queued for (a timer a millisecond short): it waits again.
      if (job.dueAt !== undefined && job.dueAt > Date.now()) return { write: false, result: { result: 'early', dueAt: job.dueAt } };
      const level = policy.levels[planned.level - 1]!;
      const { raiser, counterpart } = subject.posts(state);
      targets = this.#topo.escalationTargets(level.targets, raiser, counterpart);
      const nextEscalationAt = planStep(policy, from, job.step + 1, immediate)?.dueAt ?? null;
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: subject.entryType,
          actor: { userId: 'system', role: 'system', postId: null },
          drill: state.drill,
          payload: subject.payload(state, planned, targets, level.targets, nextEscalationAt, immediate),
        } as EntryDraft,
        project: (entry) => {
          escalated = subject.fold(state, entry);
          return subject.write(escalated);
        },
        result: (entry) => ({ result: 'escalated', step: job.step, targets, lateMs: entry.ts - planned.dueAt }),
      };
    });

    if (outcome.kind === 'appended') {
      const entry = outcome.entry;
      const state = escalated!;
      this.#broadcast.entry(entry);
      await this.#notify(subject, state, entry.seq, entry.ts, targets);
      if (outcome.result.result === 'escalated') {
        this.#observer?.escalated(subject.kind, state.drill, state.escalations.at(-1)!.level, Math.max(0, outcome.result.lateMs));
      }
      await this.#scheduleNext(subject, state);
      this.#logger.info({ subject: subject.kind, id: job.id, step: job.step, targets, drill: state.drill }, `${subject.kind} escalated`);
      return outcome.result;
    }
    if (outcome.result.result === 'already') {
      // A retry of a job whose entry is written: finish what may have been cut short.
      const state = await subject.get(link.id, job.id);
      const entry = state ? await this.#findEscalation(subject, state, job.id, job.step) : null;
      if (state && entry) {
        const payload = entry.payload as { targets: string[] };
        await this.#notify(subject, { ...state, step: job.step }, entry.seq, entry.ts, payload.targets);
        if (state.step === job.step) await this.#scheduleNext(subject, state);
      }
    }
    return outcome.result;
  }

  async #findEscalation<S extends EscalationState>(subject: Subject<S>, state: S, id: string, step: number) {
    // Escalation entries come after the subject's own entry: scan forward from it.
    let after = subject.origin(state);
    for (;;) {
      const page = await this.#log.range(state.linkId, after, 500);
      if (page.length === 0) return null;
      const hit = page.find((e) => {
        if (e.type !== subject.entryType) return false;
        const p = e.payload as { alertId?: string; deadlineId?: string; step: number };
        return (p.alertId ?? p.deadlineId) === id && p.step === step;
      });
      // Read again, checked: its targets are notified.
      if (hit) return this.#log.get(state.linkId, hit.seq);
      after = page[page.length - 1]!.seq;
    }
  }

  async #notify<S extends EscalationState>(subject: Subject<S>, state: S, entrySeq: number, at: number, targets: readonly string[]): Promise<void> {
    const level = state.escalations?.find((e) => e.step === state.step)?.level ?? state.step;
    const escalation: Omit<Escalation, 'position'> = {
      subject: subject.kind,
      id: subject.idOf(state),
      linkId: state.linkId,
      step: state.step,
      level,
      drill: state.drill,
      entrySeq,
      at,
      ...subject.notice(state),
    };
    await Promise.all(
      targets.map(async (userId) => {
        const { position } = await this.#inbox.add(userId, escalation);
        this.#broadcast.escalation(userId, { position, ...escalation });
      }),
    );
    // Only queues jobs (deliveries never hold up the escalation); a failure here retries this job,
    // whose repeat path notifies again under the same job ids.
    await this.#notifier?.escalated(targets, escalation);
  }

  async #scheduleNext<S extends EscalationState>(subject: Subject<S>, state: S): Promise<void> {
    if (!subject.isOpen(state) || state.nextEscalationAt === null) return;
    await this.#scheduler.schedule({ subject: subject.kind, id: subject.idOf(state), linkId: state.linkId, step: state.step + 1 }, state.nextEscalationAt);
  }

  /**
   * Repairs lost timers: alerts and message deadlines whose next step is overdue by more than `graceMs`
   * get their job re-added (or retried). Runs on every node; job ids keep it from doubling anything.
   */
  async repair(graceMs: number, stores: { alerts: AlertStore; deadlines: DeadlineStore }): Promise<number> {
    let repaired = 0;
    const dueBefore = Date.now() - graceMs;
    for (const link of this.#topo.links) {
      const due: { subject: 'alert' | 'message'; id: string; step: number; at: number }[] = [
        ...(await stores.alerts.overdue(link.id, dueBefore, 200))
          .filter((a) => a.state === 'open' && a.nextEscalationAt !== null)
          .map((a) => ({ subject: 'alert' as const, id: a.alertId, step: a.step + 1, at: a.nextEscalationAt! })),
        ...(await stores.deadlines.overdue(link.id, dueBefore, 200))
          .filter((d) => d.state === 'awaiting' && d.nextEscalationAt !== null)
          .map((d) => ({ subject: 'message' as const, id: d.id, step: d.step + 1, at: d.nextEscalationAt! })),
      ];
      for (const d of due) {
        if (await this.#scheduler.ensure({ subject: d.subject, id: d.id, linkId: link.id, step: d.step }, d.at)) {
          repaired++;
          this.#logger.warn({ subject: d.subject, id: d.id, step: d.step }, 'escalation timer was missing; rescheduled');
        }
      }
    }
    return repaired;
  }

  // --- inbox ------------------------------------------------------------------------------------

  async inbox(principal: Principal, afterPosition: number, limit: number): Promise<InboxResult> {
    const [escalations, state] = await Promise.all([this.#inbox.list(principal.userId, afterPosition, limit), this.#inbox.state(principal.userId)]);
    return { escalations, unread: state.last - state.readUpto, readUpto: state.readUpto };
  }

  async markInboxRead(principal: Principal, uptoPosition: number): Promise<InboxResult> {
    const state = await this.#inbox.markRead(principal.userId, uptoPosition);
    return { escalations: [], unread: state.last - state.readUpto, readUpto: state.readUpto };
  }
}
