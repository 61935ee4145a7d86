import { AppError, ErrorCode, type Alert, type EntryDraft, type Escalation, type InboxResult } from '@hotline/shared';
import { escalates } from '../domain/alert-machine.js';
import { planStep } from '../domain/escalation-plan.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { EscalateJobData } from '../escalation/jobs.js';
import type { EscalationScheduler } from '../escalation/queue.js';
import type { Logger } from '../log.js';
import type { AlertStore } from '../store/alert-store.js';
import type { InboxStore } from '../store/inbox.js';
import type { LinkLog } from '../store/link-log.js';
import type { Broadcaster } from './broadcaster.js';

export type FireOutcome =
  | { result: 'escalated'; step: number; targets: string[]; lateMs: number }
  | { result: 'already'; step: number }
  | { result: 'skipped'; reason: string };

/** Observes escalations for metrics. */
export interface EscalationObserver {
  escalated(alert: Alert, level: number, lateMs: number): void;
}

/**
 * Fires escalation steps. The check ("still open, still at the step before") and the write (the
 * alert.escalated entry and the new alert state) are one atomic append, so however many workers on
 * however many nodes run the same job, each step is recorded once, and never after an acknowledgement.
 * Notifying and scheduling the next step follow, idempotently, so a job retried after a crash finishes
 * the work without repeating the entry.
 */
export class EscalationService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #alerts: AlertStore;
  readonly #inbox: InboxStore;
  readonly #scheduler: EscalationScheduler;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #observer: EscalationObserver | undefined;

  constructor(deps: {
    topo: TopologyIndex;
    log: LinkLog;
    alerts: AlertStore;
    inbox: InboxStore;
    scheduler: EscalationScheduler;
    broadcaster: Broadcaster;
    logger: Logger;
    observer?: EscalationObserver;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#alerts = deps.alerts;
    this.#inbox = deps.inbox;
    this.#scheduler = deps.scheduler;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#observer = deps.observer;
  }

  async fire(job: EscalateJobData, _queuedAt?: number): Promise<FireOutcome> {
    const link = this.#topo.link(job.linkId);
    if (!link) throw new AppError(ErrorCode.NOT_FOUND, `unknown link ${job.linkId}`);
    let escalated: Alert | undefined;
    let targets: string[] = [];
    const outcome = await this.#log.append<FireOutcome>(link.id, [this.#alerts.read(link.id, job.alertId)], ({ values }) => {
      const alert = values[0] ? (JSON.parse(values[0]) as Alert) : null;
      if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${job.alertId}`);
      if (!escalates(alert.state)) return { write: false, result: { result: 'skipped', reason: `alert is ${alert.state}` } };
      if (alert.step >= job.step) return { write: false, result: { result: 'already', step: job.step } };
      if (alert.step !== job.step - 1) return { write: false, result: { result: 'skipped', reason: `alert is at step ${alert.step}` } };
      const policy = this.#topo.policy(alert.policyId);
      if (!policy) throw new AppError(ErrorCode.NOT_FOUND, `policy ${alert.policyId} is gone from the topology`);
      const immediate = !alert.counterpartOnline && policy.onCounterpartOffline === 'escalate-now';
      const planned = planStep(policy, alert.raisedAt, job.step, immediate);
      if (!planned) return { write: false, result: { result: 'skipped', reason: 'no such step in the policy' } };
      const level = policy.levels[planned.level - 1]!;
      targets = this.#topo.escalationTargets(level.targets, alert.raiserPostId, alert.counterpartPostId);
      const nextEscalationAt = planStep(policy, alert.raisedAt, job.step + 1, immediate)?.dueAt ?? null;
      return {
        write: true,
        draft: ({ seq, ts }): EntryDraft => {
          escalated = {
            ...alert,
            step: job.step,
            nextEscalationAt,
            updatedSeq: seq,
            escalations: [...(alert.escalations ?? []), { step: job.step, level: planned.level, at: ts }],
          };
          return {
            linkId: link.id,
            type: 'alert.escalated',
            actor: { userId: 'system', role: 'system', postId: null },
            drill: alert.drill,
            payload: {
              alertId: alert.alertId,
              step: job.step,
              level: planned.level,
              repeat: planned.repeat,
              dueAt: planned.dueAt,
              targets,
              targetKinds: level.targets,
              reason: immediate && job.step === 1 ? 'counterpart-offline' : 'timeout',
              nextEscalationAt,
            },
          };
        },
        project: () => this.#alerts.write(escalated!),
        result: (entry) => ({ result: 'escalated', step: job.step, targets, lateMs: entry.ts - planned.dueAt }),
      };
    });
    if (outcome.kind === 'duplicate') throw new AppError(ErrorCode.INTERNAL, 'unexpected duplicate');

    if (outcome.kind === 'appended') {
      const entry = outcome.entry;
      const alert = escalated!;
      this.#broadcast.entry(entry);
      await this.#notify(alert, entry.seq, entry.ts, targets);
      if (outcome.result.result === 'escalated' && entry.type === 'alert.escalated') {
        this.#observer?.escalated(alert, entry.payload.level, Math.max(0, outcome.result.lateMs));
      }
      await this.#scheduleNext(alert);
      this.#logger.info({ alertId: alert.alertId, step: job.step, targets, drill: alert.drill }, 'alert escalated');
      return outcome.result;
    }
    if (outcome.result.result === 'already') {
      // A retry of a job whose entry is written: finish what may have been cut short.
      const alert = await this.#alerts.get(link.id, job.alertId);
      const entry = alert ? await this.#findEscalation(alert, job.step) : null;
      if (alert && entry && entry.type === 'alert.escalated') {
        await this.#notify({ ...alert, step: job.step }, entry.seq, entry.ts, entry.payload.targets);
        if (alert.step === job.step) await this.#scheduleNext(alert);
      }
    }
    return outcome.result;
  }

  async #findEscalation(alert: Alert, step: number) {
    // Escalation entries come after the raise; scan forward from it in pages.
    let after = alert.raisedSeq;
    for (;;) {
      const page = await this.#log.range(alert.linkId, after, 500);
      if (page.length === 0) return null;
      const hit = page.find((e) => e.type === 'alert.escalated' && e.payload.alertId === alert.alertId && e.payload.step === step);
      if (hit) return hit;
      after = page[page.length - 1]!.seq;
    }
  }

  async #notify(alert: Alert, entrySeq: number, at: number, targets: readonly string[]): Promise<void> {
    const policy = this.#topo.policy(alert.policyId);
    const level = Math.min(alert.step, policy?.levels.length ?? alert.step);
    await Promise.all(
      targets.map(async (userId) => {
        const escalation: Omit<Escalation, 'position'> = {
          alertId: alert.alertId,
          linkId: alert.linkId,
          step: alert.step,
          level,
          drill: alert.drill,
          entrySeq,
          at,
          alert,
        };
        const { position } = await this.#inbox.add(userId, escalation);
        this.#broadcast.escalation(userId, { position, ...escalation });
      }),
    );
  }

  async #scheduleNext(alert: Alert): Promise<void> {
    if (alert.state !== 'open' || alert.nextEscalationAt === null) return;
    await this.#scheduler.schedule({ alertId: alert.alertId, linkId: alert.linkId, step: alert.step + 1 }, alert.nextEscalationAt);
  }

  /**
   * Repairs lost timers: open alerts whose next step is overdue by more than `graceMs` get their job
   * re-added (or retried). Runs on every node; job ids keep it from doubling anything.
   */
  async repair(graceMs: number): Promise<number> {
    let repaired = 0;
    const dueBefore = Date.now() - graceMs;
    for (const link of this.#topo.links) {
      const overdue = await this.#alerts.overdue(link.id, dueBefore, 200);
      for (const alert of overdue) {
        if (alert.state !== 'open' || alert.nextEscalationAt === null) continue;
        const acted = await this.#scheduler.ensure({ alertId: alert.alertId, linkId: alert.linkId, step: alert.step + 1 }, alert.nextEscalationAt);
        if (acted) {
          repaired++;
          this.#logger.warn({ alertId: alert.alertId, step: alert.step + 1 }, 'escalation timer was missing; rescheduled');
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
