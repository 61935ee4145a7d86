import {
  AppError,
  ErrorCode,
  makeDeadlineId,
  type Entry,
  type EscalationPolicy,
  type HotlineAckRequest,
  type Link,
  type MessageAckResult,
  type MessageDeadline,
  type Precedence,
} from '@hotline/shared';
import { foldDeadline } from '../domain/deadline-fold.js';
import { planStep } from '../domain/escalation-plan.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { EscalationScheduler } from '../escalation/queue.js';
import type { Logger } from '../log.js';
import type { DeadlineStore } from '../store/deadline-store.js';
import type { LinkLog, ProjectionOp } from '../store/link-log.js';
import type { Broadcaster } from './broadcaster.js';
import type { SignatureService } from './signature-service.js';

/**
 * Hotline discipline for precedence: a flash or immediate message must be acknowledged by the
 * counterpart post within its deadline (from the topology), or it escalates through the same engine as
 * alerts. The deadline is created with the message, in the same atomic append.
 */
export class PrecedenceService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #deadlines: DeadlineStore;
  readonly #scheduler: EscalationScheduler;
  readonly #sigs: SignatureService;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #onAcknowledged: ((deadline: MessageDeadline) => void) | undefined;

  constructor(deps: {
    /** Observes each acknowledgement (for time-to-acknowledge metrics). */
    onAcknowledged?: (deadline: MessageDeadline) => void;
    topo: TopologyIndex;
    log: LinkLog;
    deadlines: DeadlineStore;
    scheduler: EscalationScheduler;
    signatures: SignatureService;
    broadcaster: Broadcaster;
    logger: Logger;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#deadlines = deps.deadlines;
    this.#scheduler = deps.scheduler;
    this.#sigs = deps.signatures;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#onAcknowledged = deps.onAcknowledged;
  }

  /** The deadline rule of a precedence, or null when it needs no acknowledgement. */
  rule(precedence: Precedence, drill: boolean): { deadlineMs: number; policy: EscalationPolicy } | null {
    const rule = this.#topo.topology.precedence[precedence];
    if (!rule) return null;
    const sel = this.#topo.topology.policySelection;
    const policy = this.#topo.policy(drill ? sel.drill : (rule.policy ?? sel.default))!;
    return { deadlineMs: rule.deadline, policy };
  }

  /** The deadline state of a message just sealed, and its projection writes. */
  create(entry: Entry & { type: 'message' }, link: Link, rule: { deadlineMs: number; policy: EscalationPolicy }): { deadline: MessageDeadline; ops: ProjectionOp[] } {
    const senderPostId = entry.actor.postId!;
    const deadlineAt = entry.ts + rule.deadlineMs;
    const deadline: MessageDeadline = {
      id: makeDeadlineId(link.id, entry.seq),
      linkId: link.id,
      seq: entry.seq,
      hash: entry.hash,
      precedence: entry.payload.precedence,
      sentAt: entry.ts,
      sentBy: entry.actor,
      senderPostId,
      counterpartPostId: this.#topo.otherPost(link, senderPostId),
      drill: entry.drill,
      excerpt: [...entry.payload.text].slice(0, 200).join(''),
      policyId: rule.policy.id,
      deadlineAt,
      state: 'awaiting',
      step: 0,
      nextEscalationAt: planStep(rule.policy, deadlineAt, 1)?.dueAt ?? null,
      escalations: [],
      updatedSeq: entry.seq,
    };
    return { deadline, ops: this.#deadlines.write(deadline, { created: true }) };
  }

  /** After a message with a deadline is stored: schedules the first escalation at the deadline. */
  async schedule(deadline: MessageDeadline): Promise<void> {
    if (deadline.nextEscalationAt === null) return;
    try {
      await this.#scheduler.schedule({ subject: 'message', id: deadline.id, linkId: deadline.linkId, step: 1 }, deadline.nextEscalationAt);
    } catch (err) {
      this.#logger.error({ err, id: deadline.id }, 'could not schedule the message deadline; the sweep will retry');
    }
  }

  /**
   * hotline:ack: the counterpart post acknowledges a flash or immediate message, with a receipt that
   * quotes the message's hash. Repeating it changes nothing.
   */
  async ack(principal: Principal, req: HotlineAckRequest): Promise<MessageAckResult> {
    const link = this.#topo.readableLink(principal, req.linkId);
    const message = await this.#log.get(link.id, req.seq);
    if (!message) throw new AppError(ErrorCode.NOT_FOUND, `link "${link.id}" has no entry ${req.seq}`);
    if (message.type !== 'message') throw new AppError(ErrorCode.CONFLICT, `entry ${req.seq} is a ${message.type}, not a message`);
    const id = makeDeadlineId(link.id, req.seq);
    const senderPostId = message.actor.postId!;
    const counterpart = this.#topo.otherPost(link, senderPostId);
    const postId = this.#topo.actingPost(principal, link, counterpart);
    if (postId !== counterpart) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        principal.postId === senderPostId ? 'the sending post cannot acknowledge its own message' : 'only the counterpart post acknowledges',
      );
    }
    if (principal.drillOnly && !message.drill) throw new AppError(ErrorCode.FORBIDDEN, 'a drill token acknowledges exercise traffic only');
    if (req.quotedHash !== undefined && req.quotedHash !== message.hash) {
      throw new AppError(ErrorCode.CONFLICT, `entry ${req.seq} has another hash than the one quoted`, { details: { hash: message.hash } });
    }
    if (req.sig && req.quotedHash === undefined) throw new AppError(ErrorCode.VALIDATION_FAILED, 'a signed acknowledgement quotes the message hash');
    const signing = await this.#sigs.check(principal, 'hotline:ack', req, req.sig);
    const actor = { userId: principal.userId, role: principal.role, postId };
    let next: MessageDeadline | undefined;
    const outcome = await this.#sigs.append<MessageAckResult>(link.id, signing, actor, [this.#deadlines.read(link.id, id)], ({ values }) => {
      const deadline = this.#deadlines.decode(values[0] ?? null);
      if (!deadline) {
        throw new AppError(ErrorCode.CONFLICT, `message ${req.seq} is ${message.payload.precedence}: only flash and immediate messages are acknowledged`);
      }
      if (deadline.state === 'acknowledged') return { write: false, result: { entry: null, deadline } };
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: 'receipt',
          actor,
          drill: message.drill,
          payload: { kind: 'ack', postId, uptoSeq: message.seq, uptoHash: message.hash },
        },
        project: (entry) => {
          next = foldDeadline(deadline, entry);
          return this.#deadlines.write(next);
        },
        result: (entry) => ({ entry, deadline: next! }),
      };
    });
    if (outcome.kind === 'appended') {
      this.#broadcast.entry(outcome.entry);
      if (next) this.#onAcknowledged?.(next);
      await this.#scheduler.unschedule(id, (next?.step ?? 0) + 1);
    }
    return outcome.result;
  }

  /** Messages still awaiting acknowledgement on the links the principal may read. */
  async awaiting(principal: Principal): Promise<MessageDeadline[]> {
    const all = await Promise.all(this.#topo.readableLinkIds(principal).map((id) => this.#deadlines.awaiting(id)));
    return all.flat().sort((a, b) => a.deadlineAt - b.deadlineAt);
  }
}
