import {
  AppError,
  ErrorCode,
  alertFromRaise,
  foldAlert,
  makeAlertId,
  parseAlertId,
  type GatewayAckVia,
  type PushAckVia,
  type Alert,
  type AlertPosts,
  type AlertCommentRequest,
  type AlertResult,
  type Entry,
  type EntryDraft,
  type Link,
  type Sig,
  AlertActionRequest,
  AlertQuery,
  AlertRaiseRequest,
  AlertResolveRequest,
} from '@hotline/shared';
import type { z } from 'zod';
import { decideTransition, type AlertAction } from '../domain/alert-machine.js';
import { planStep } from '../domain/escalation-plan.js';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { EscalationScheduler } from '../escalation/queue.js';
import type { Logger } from '../log.js';
import type { AlertStore } from '../store/alert-store.js';
import type { KeyRecord } from '../store/key-registry.js';
import { contentDigest, type LinkLog, type ProjectionOp } from '../store/link-log.js';
import type { Broadcaster } from './broadcaster.js';
import type { PresenceService } from './presence-service.js';
import type { SignatureService } from './signature-service.js';

const ENTRY_OF_ACTION = { ack: 'alert.acknowledged', resolve: 'alert.resolved', cancel: 'alert.cancelled' } as const;
const ENTRY_ACT = { ack: 'alert:ack', resolve: 'alert:resolve', cancel: 'alert:cancel' } as const;

/** Incident alerts: raise, acknowledge, comment, resolve, cancel; each an entry in the link log. */
export class AlertService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #alerts: AlertStore;
  readonly #scheduler: EscalationScheduler;
  readonly #presence: PresenceService;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #sigs: SignatureService;
  readonly #onAcknowledged: ((alert: Alert) => void) | undefined;

  constructor(deps: {
    /** Observes each acknowledgement (for time-to-acknowledge metrics). */
    onAcknowledged?: (alert: Alert) => void;
    signatures: SignatureService;
    topo: TopologyIndex;
    log: LinkLog;
    alerts: AlertStore;
    scheduler: EscalationScheduler;
    presence: PresenceService;
    broadcaster: Broadcaster;
    logger: Logger;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#alerts = deps.alerts;
    this.#scheduler = deps.scheduler;
    this.#presence = deps.presence;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#sigs = deps.signatures;
    this.#onAcknowledged = deps.onAcknowledged;
  }

  /**
   * Raises an alert from the caller's post. Idempotent per (user, clientAlertId): a retry returns the
   * alert as it is now (and makes sure its timer exists); other content under the same id is CONFLICT.
   * The first escalation timer is scheduled after the append; if this node dies in between, the
   * repair sweep of any node schedules it from the projection.
   */
  async raise(principal: Principal, req: z.output<typeof AlertRaiseRequest>): Promise<AlertResult> {
    const link = this.#topo.readableLink(principal, req.linkId);
    if (!this.#topo.canSend(principal, link)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'only the operators of the two posts raise alerts on a link');
    }
    if (principal.drillOnly && !req.drill) {
      throw new AppError(ErrorCode.FORBIDDEN, 'a drill token raises exercise alerts only (drill: true)');
    }
    const raiserPostId = principal.postId!;
    const counterpartPostId = this.#topo.otherPost(link, raiserPostId);
    const policy = this.#topo.policyFor(link.id, req.severity, req.drill);
    const counterpartOnline = await this.#presence.onlineNow(counterpartPostId);
    const immediate = !counterpartOnline && policy.onCounterpartOffline === 'escalate-now';
    const digest = contentDigest({
      kind: req.kind,
      severity: req.severity,
      description: req.description,
      location: req.location,
      occurredAt: req.occurredAt,
      drill: req.drill,
    });
    const actor = { userId: principal.userId, role: principal.role, postId: raiserPostId };
    const signing = await this.#sigs.check(principal, 'alert:raise', req, req.sig);

    const posts = { raiserPostId, counterpartPostId };
    let alert: Alert | undefined;
    const outcome = await this.#sigs.appendOnce(link.id, signing, actor, [], () => ({
      write: true,
      draft: ({ seq, ts }): EntryDraft => ({
        linkId: link.id,
        type: 'alert.raised',
        actor,
        drill: req.drill,
        payload: {
          alertId: makeAlertId(link.id, seq),
          clientAlertId: req.clientAlertId,
          kind: req.kind,
          severity: req.severity,
          description: req.description,
          ...(req.location ? { location: req.location } : {}),
          ...(req.occurredAt !== undefined ? { occurredAt: req.occurredAt } : {}),
          policyId: policy.id,
          counterpartOnline,
          nextEscalationAt: planStep(policy, ts, 1, immediate)?.dueAt ?? null,
        },
      }),
      idempotency: { key: `a:${principal.userId}:${req.clientAlertId}`, digest },
      project: (entry) => {
        const raised = this.raised(entry, posts);
        alert = raised.alert;
        return raised.ops;
      },
      result: (entry) => entry,
    }));

    if (outcome.kind === 'duplicate') {
      if (outcome.digest !== digest) {
        throw new AppError(ErrorCode.CONFLICT, 'clientAlertId was already used for a different alert', { details: { seq: outcome.seq } });
      }
      const entry = await this.#log.get(link.id, outcome.seq);
      const current = await this.#alerts.get(link.id, makeAlertId(link.id, outcome.seq));
      if (!entry || !current) throw new AppError(ErrorCode.INTERNAL, 'stored alert is missing');
      this.#broadcast.entryAgain(entry);
      await this.#ensureTimer(current);
      return { alert: current, entry };
    }
    if (outcome.kind !== 'appended' || !alert) throw new AppError(ErrorCode.INTERNAL, 'alert not appended');
    this.#broadcast.entry(outcome.entry);
    await this.#ensureTimer(alert, true);
    this.#logger.info({ alertId: alert.alertId, linkId: link.id, severity: alert.severity, drill: alert.drill, immediate }, 'alert raised');
    return { alert, entry: outcome.entry };
  }

  /**
   * The alert.raised entry of an alert the server raises itself (a line fault), for a caller that
   * appends it in its own atomic step at `slot` and projects it with `raised`.
   */
  systemAlertDraft(input: {
    linkId: string;
    slot: { seq: number; ts: number };
    kind: 'line-fault';
    severity: 1 | 2 | 3 | 4;
    description: string;
    policyId: string;
    counterpartOnline: boolean;
    lineCheckId: string;
  }): EntryDraft {
    const policy = this.#topo.policy(input.policyId)!;
    const immediate = !input.counterpartOnline && policy.onCounterpartOffline === 'escalate-now';
    return {
      linkId: input.linkId,
      type: 'alert.raised',
      actor: { userId: 'system', role: 'system', postId: null },
      drill: false,
      payload: {
        alertId: makeAlertId(input.linkId, input.slot.seq),
        clientAlertId: `sys-${input.lineCheckId}`.slice(0, 64),
        kind: input.kind,
        severity: input.severity,
        description: input.description,
        policyId: policy.id,
        counterpartOnline: input.counterpartOnline,
        nextEscalationAt: planStep(policy, input.slot.ts, 1, immediate)?.dueAt ?? null,
        lineCheckId: input.lineCheckId,
      },
    };
  }

  /** The alert a sealed alert.raised entry opens (the shared fold), and its projection writes. */
  raised(entry: Entry, posts: AlertPosts): { alert: Alert; ops: ProjectionOp[] } {
    if (entry.type !== 'alert.raised') throw new AppError(ErrorCode.INTERNAL, `expected an alert.raised entry, not ${entry.type}`);
    const alert = alertFromRaise(entry, posts);
    return { alert, ops: this.#alerts.write(alert, { raised: true }) };
  }

  /** After a raise is stored: schedules its first escalation. */
  async afterRaise(alert: Alert): Promise<void> {
    await this.#ensureTimer(alert, true);
  }

  /** Schedules the alert's next escalation step if it is open and has one. */
  async #ensureTimer(alert: Alert, fresh = false): Promise<void> {
    if (alert.state !== 'open' || alert.nextEscalationAt === null) return;
    const data = { subject: 'alert' as const, id: alert.alertId, linkId: alert.linkId, step: alert.step + 1 };
    try {
      if (fresh) await this.#scheduler.schedule(data, alert.nextEscalationAt);
      else await this.#scheduler.ensure(data, alert.nextEscalationAt);
    } catch (err) {
      // The alert is stored; the repair sweep will schedule the timer from the projection.
      this.#logger.error({ err, alertId: alert.alertId }, 'could not schedule escalation; the sweep will retry');
    }
  }

  /** The link of an alert id the caller may read. */
  #linkOf(principal: Principal, alertId: string): Link {
    const parsed = parseAlertId(alertId);
    if (!parsed) throw new AppError(ErrorCode.VALIDATION_FAILED, 'malformed alertId');
    return this.#topo.readableLink(principal, parsed.linkId);
  }

  /** Who may take `action` on `alert`, acting for which post; FORBIDDEN otherwise. */
  #actingPost(principal: Principal, link: Link, alert: Alert, action: AlertAction | 'comment'): string {
    if (principal.drillOnly && !alert.drill) throw new AppError(ErrorCode.FORBIDDEN, 'a drill token acts on exercise alerts only');
    if (principal.role === 'monitor' || principal.role === 'admin') {
      throw new AppError(ErrorCode.FORBIDDEN, `${principal.role}s do not act on alerts`);
    }
    switch (action) {
      case 'ack': {
        const post = this.#topo.actingPost(principal, link, alert.counterpartPostId);
        if (post !== alert.counterpartPostId) {
          throw new AppError(
            ErrorCode.FORBIDDEN,
            principal.postId === alert.raiserPostId
              ? 'the raising post cannot acknowledge its own alert'
              : 'only the counterpart post or a commander covering it acknowledges',
          );
        }
        return post;
      }
      case 'cancel': {
        const post = this.#topo.actingPost(principal, link, alert.raiserPostId);
        if (post !== alert.raiserPostId) throw new AppError(ErrorCode.FORBIDDEN, 'only the raising post cancels its alert');
        return post;
      }
      case 'resolve':
      case 'comment': {
        const post = this.#topo.actingPost(principal, link, principal.postId ?? alert.counterpartPostId);
        if (!post) throw new AppError(ErrorCode.FORBIDDEN, 'not in scope of this alert');
        return post;
      }
    }
  }

  /**
   * Applies ack, resolve or cancel. Not allowed from the current state: CONFLICT with `details.state`.
   * Already there: the current alert, nothing written. Acknowledging also removes the pending timer,
   * though what stops an escalation is the worker's atomic check of the state.
   */
  async transition(
    principal: Principal,
    action: AlertAction,
    req: z.output<typeof AlertActionRequest> | z.output<typeof AlertResolveRequest>,
    /** An acknowledgement from a push notification's action: the entry says so (the signature is as in the console). */
    options: { via?: PushAckVia } = {},
  ): Promise<AlertResult> {
    const link = this.#linkOf(principal, req.alertId);
    const quotedHash = 'quotedHash' in req ? req.quotedHash : undefined;
    if (req.sig && action === 'ack' && quotedHash === undefined) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'a signed acknowledgement quotes the hash of the alert.raised entry');
    }
    const signing = await this.#sigs.check(principal, ENTRY_ACT[action], req, req.sig);
    const keyActor = { userId: principal.userId, role: principal.role, postId: principal.postId };
    let next: Alert | undefined;
    const outcome = await this.#sigs.append<AlertResult>(link.id, signing, keyActor, [this.#alerts.read(link.id, req.alertId)], ({ values }) => {
      const alert = this.#alerts.decode(values[0] ?? null);
      if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${req.alertId}`);
      const postId = this.#actingPost(principal, link, alert, action);
      if (action === 'ack' && quotedHash !== undefined && quotedHash !== alert.raisedHash) {
        throw new AppError(ErrorCode.CONFLICT, 'quotedHash is not the hash of this alert', { details: { raisedHash: alert.raisedHash } });
      }
      const decision = decideTransition(alert.state, action);
      if (decision.kind === 'repeat') return { write: false, result: { alert, entry: null } };
      if (decision.kind === 'conflict') {
        throw new AppError(ErrorCode.CONFLICT, `cannot ${action} an alert that is ${alert.state}`, { details: { state: alert.state, alert } });
      }
      const actor = { userId: principal.userId, role: principal.role, postId };
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: ENTRY_OF_ACTION[action],
          actor,
          drill: alert.drill,
          payload: {
            alertId: alert.alertId,
            ...(req.text === undefined ? {} : { text: req.text }),
            ...(action === 'ack' ? { quotedHash: alert.raisedHash } : {}),
            ...(action === 'ack' && options.via ? { via: options.via } : {}),
          },
        },
        project: (entry) => {
          next = foldAlert(alert, entry);
          return this.#alerts.write(next);
        },
        result: (entry) => ({ alert: next!, entry }),
      };
    });
    if (outcome.kind === 'appended') {
      this.#broadcast.entry(outcome.entry);
      if (action === 'ack') this.#onAcknowledged?.(outcome.result.alert);
      if (action === 'ack' || action === 'cancel') {
        const previous = outcome.result.alert;
        await this.#scheduler.unschedule(previous.alertId, previous.step + 1);
      }
    }
    return outcome.result;
  }

  /**
   * Whether `principal` could acknowledge the alert in the console now: FORBIDDEN, NOT_FOUND or CONFLICT
   * (cancelled) otherwise. Reads only.
   */
  async checkAcknowledger(principal: Principal, alertId: string): Promise<Alert> {
    const link = this.#linkOf(principal, alertId);
    const alert = await this.#alerts.get(link.id, alertId);
    if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${alertId}`);
    this.#actingPost(principal, link, alert, 'ack');
    if (decideTransition(alert.state, 'ack').kind === 'conflict') {
      throw new AppError(ErrorCode.CONFLICT, `cannot ack an alert that is ${alert.state}`, { details: { state: alert.state } });
    }
    return alert;
  }

  /**
   * Checks a signed acknowledgement's signature as alert:ack would (registered, unrevoked, valid key of
   * the principal; the signature over the action), without writing: the key's record, or a refusal.
   */
  async checkAckSignature(principal: Principal, req: { alertId: string; quotedHash: string; sig: Sig }): Promise<KeyRecord> {
    const signing = await this.#sigs.check(principal, 'alert:ack', req, req.sig);
    if (!signing) throw new AppError(ErrorCode.INTERNAL, 'a signature was given but not checked');
    return signing.record;
  }

  /**
   * An acknowledgement made outside the console (a gateway reply): the same rules as alert:ack, written
   * as an unsigned alert.acknowledged entry whose payload says through which gateway and reply it came.
   * Already acknowledged: the current alert, nothing written.
   */
  async acknowledgeThrough(principal: Principal, alertId: string, via: GatewayAckVia): Promise<AlertResult> {
    const link = this.#linkOf(principal, alertId);
    let next: Alert | undefined;
    const outcome = await this.#sigs.append<AlertResult>(link.id, null, principal, [this.#alerts.read(link.id, alertId)], ({ values }) => {
      const alert = this.#alerts.decode(values[0] ?? null);
      if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${alertId}`);
      const postId = this.#actingPost(principal, link, alert, 'ack');
      const decision = decideTransition(alert.state, 'ack');
      if (decision.kind === 'repeat') return { write: false, result: { alert, entry: null } };
      if (decision.kind === 'conflict') {
        throw new AppError(ErrorCode.CONFLICT, `cannot ack an alert that is ${alert.state}`, { details: { state: alert.state, alert } });
      }
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: 'alert.acknowledged',
          actor: { userId: principal.userId, role: principal.role, postId },
          drill: alert.drill,
          payload: { alertId: alert.alertId, quotedHash: alert.raisedHash, via },
        },
        project: (entry) => {
          next = foldAlert(alert, entry);
          return this.#alerts.write(next);
        },
        result: (entry) => ({ alert: next!, entry }),
      };
    });
    if (outcome.kind === 'appended') {
      this.#broadcast.entry(outcome.entry);
      this.#onAcknowledged?.(outcome.result.alert);
      await this.#scheduler.unschedule(alertId, outcome.result.alert.step + 1);
    }
    return outcome.result;
  }

  /** Adds a comment, in any state. Idempotent per (user, clientCommentId). */
  async comment(principal: Principal, req: AlertCommentRequest): Promise<AlertResult> {
    const link = this.#linkOf(principal, req.alertId);
    const digest = contentDigest({ text: req.text });
    const signing = await this.#sigs.check(principal, 'alert:comment', req, req.sig);
    const keyActor = { userId: principal.userId, role: principal.role, postId: principal.postId };
    let current: Alert | undefined;
    const outcome = await this.#sigs.appendOnce<Entry>(link.id, signing, keyActor, [this.#alerts.read(link.id, req.alertId)], ({ values }) => {
      const alert = this.#alerts.decode(values[0] ?? null);
      if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${req.alertId}`);
      current = alert;
      const postId = this.#actingPost(principal, link, alert, 'comment');
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: 'alert.commented',
          actor: { userId: principal.userId, role: principal.role, postId },
          drill: alert.drill,
          payload: { alertId: alert.alertId, text: req.text, clientCommentId: req.clientCommentId },
        },
        idempotency: { key: `c:${principal.userId}:${req.clientCommentId}`, digest },
        result: (entry) => entry,
      };
    });
    if (outcome.kind === 'duplicate') {
      if (outcome.digest !== digest) throw new AppError(ErrorCode.CONFLICT, 'clientCommentId was already used for other text');
      const entry = await this.#log.get(link.id, outcome.seq);
      const alert = await this.#alerts.get(link.id, req.alertId);
      if (!entry || !alert) throw new AppError(ErrorCode.INTERNAL, 'stored comment is missing');
      return { alert, entry };
    }
    if (outcome.kind !== 'appended') throw new AppError(ErrorCode.INTERNAL, 'comment not appended');
    this.#broadcast.entry(outcome.entry);
    return { alert: current!, entry: outcome.entry };
  }

  /** Alerts in the caller's scope, newest first, filtered. */
  async list(principal: Principal, query: z.output<typeof AlertQuery>): Promise<Alert[]> {
    let linkIds = this.#topo.readableLinkIds(principal);
    if (query.link) {
      this.#topo.readableLink(principal, query.link);
      linkIds = [query.link];
    }
    if (query.sector) {
      const posts = new Set(this.#topo.topology.posts.filter((p) => p.sector === query.sector).map((p) => p.id));
      linkIds = linkIds.filter((id) => this.#topo.link(id)!.posts.some((p) => posts.has(p)));
    }
    const activeOnly = query.state === 'open' || query.state === 'acknowledged';
    const perLink = await Promise.all(
      linkIds.map((id) => this.#alerts.list(id, { ...(query.since !== undefined ? { since: query.since } : {}), activeOnly, limit: query.limit })),
    );
    return perLink
      .flat()
      .filter((a) => (query.state === undefined || a.state === query.state) && (query.drill === undefined || a.drill === query.drill))
      .sort((a, b) => b.raisedAt - a.raisedAt || a.alertId.localeCompare(b.alertId))
      .slice(0, query.limit);
  }

  /** One alert the caller may read. */
  async get(principal: Principal, alertId: string): Promise<Alert> {
    const link = this.#linkOf(principal, alertId);
    const alert = await this.#alerts.get(link.id, alertId);
    if (!alert) throw new AppError(ErrorCode.NOT_FOUND, `no alert ${alertId}`);
    return alert;
  }
}
