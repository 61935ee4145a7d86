import { UnrecoverableError } from 'bullmq';
import webpush from 'web-push';
import {
  AckFromPushRequest,
  AppError,
  ErrorCode,
  GatewayReply,
  type AckFromPushResult,
  fitSms,
  type Alert,
  type ContactRulesAnswer,
  type ContactStep,
  type Escalation,
  type Gateway,
  type GatewayReplyResult,
  type MessageDeadline,
  type AttemptKind,
  type NotificationAttempt,
  type NotificationEvent,
  type NotificationItem,
  type NotificationsConfig,
  type PushAck,
  type PushPayload,
  type PushSubscriptionRequest,
  type WebhookDelivery,
} from '@hotline/shared';
import { createHash } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { AlertService } from '../service/alert-service.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeadlineStore } from '../store/deadline-store.js';
import { BUNDLE_JOB, CONTACT_JOB, DELIVER_JOB, channelTag, jobIds, type BundleJob, type BundleJobData, type ContactJob, type ContactJobData, type DeliverJobData } from './jobs.js';
import { normaliseAddress, type RedisNotificationStore, type StoredPushSubscription } from './notification-store.js';
import type { NotifyQueue } from './notify-queue.js';
import type { PushGrants } from './push-grant.js';
import { ATTEMPT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, webhookSignature } from './webhook-signing.js';

/** Reads the notifications section: one accessor, so the section can become live configuration. */
export type NotificationSettings = () => NotificationsConfig;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** Observes deliveries for metrics. */
export interface NotifyObserver {
  delivery(channel: string, outcome: 'delivered' | 'retry' | 'failed' | 'skipped' | 'expired'): void;
  firstDelivery(seconds: number): void;
  acknowledgedThrough(gatewayId: string): void;
}

const KIND_LABEL: Record<string, string> = {
  'small-arms-fire': 'Small arms fire',
  'artillery-mortar': 'Artillery/mortar',
  drone: 'Drone',
  'border-crossing': 'Border crossing',
  explosion: 'Explosion',
  'line-fault': 'Line fault',
  other: 'Incident',
};

const EVENT_LABEL: Record<NotificationEvent, string> = { escalation: 'ESCALATION', alert: 'ALERT', flash: 'FLASH' };

const ACK_RE = /^\s*ACK\s+(\d{4,8})\s*$/i;

/**
 * How escalations, unattended alerts and flash messages reach people away from the console: each user's
 * contact rules (push at once, SMS after a minute …) become delayed contact jobs; each step checks the
 * alert is still unacknowledged, bundles bursts per person and channel, and queues a delivery job that
 * POSTs a signed webhook or sends a Web Push until a 2xx or its deadline. Every job id is derived from
 * what it is about, so a retried or duplicated step never sends twice under one idempotency key, and
 * jobs live in Redis, so a dead node loses none. Gateway replies ("ACK 4821") acknowledge what the code
 * listed, as the user could in the console.
 */
export class NotificationService {
  readonly #topo: TopologyIndex;
  readonly #settings: NotificationSettings;
  readonly #store: RedisNotificationStore;
  readonly #queue: NotifyQueue;
  readonly #alertStore: AlertStore;
  readonly #deadlines: DeadlineStore;
  readonly #alerts: AlertService;
  readonly #log: Logger;
  readonly #vapid: VapidKeys | undefined;
  readonly #observer: NotifyObserver | undefined;
  readonly #secrets: (g: Gateway) => string;
  readonly #grants: PushGrants | undefined;
  readonly #sessionRevoked: (sid: string) => Promise<boolean>;

  constructor(deps: {
    topo: TopologyIndex;
    settings: NotificationSettings;
    store: RedisNotificationStore;
    queue: NotifyQueue;
    alertStore: AlertStore;
    deadlines: DeadlineStore;
    alerts: AlertService;
    logger: Logger;
    vapid?: VapidKeys | undefined;
    observer?: NotifyObserver;
    env?: NodeJS.ProcessEnv;
    /** Makes and checks the acknowledgement grants pushes carry; without it pushes carry none. */
    grants?: PushGrants;
    /** Whether a session was revoked (a grant of a revoked session is refused). */
    sessionRevoked?: (sid: string) => Promise<boolean>;
  }) {
    this.#topo = deps.topo;
    this.#settings = deps.settings;
    this.#store = deps.store;
    this.#queue = deps.queue;
    this.#alertStore = deps.alertStore;
    this.#deadlines = deps.deadlines;
    this.#alerts = deps.alerts;
    this.#log = deps.logger;
    this.#vapid = deps.vapid;
    this.#observer = deps.observer;
    this.#grants = deps.grants;
    this.#sessionRevoked = deps.sessionRevoked ?? (async () => false);
    const env = deps.env ?? process.env;
    this.#secrets = (g) => {
      if (!g.secret.startsWith('env:')) return g.secret;
      const value = env[g.secret.slice(4)];
      if (!value) throw new UnrecoverableError(`gateway ${g.id}: environment variable ${g.secret.slice(4)} is not set`);
      return value;
    };
  }

  get vapidPublicKey(): string | null {
    return this.#vapid && this.#settings().push ? this.#vapid.publicKey : null;
  }

  #gateway(id: string): Gateway | undefined {
    return this.#settings().gateways.find((g) => g.id === id);
  }

  /** The user's rules: their own, else the seeded ones, else the deployment's default. */
  async rules(userId: string): Promise<{ steps: ContactStep[]; source: 'own' | 'seeded' | 'default' }> {
    const own = await this.#store.ownRules(userId);
    if (own) return { steps: own, source: 'own' };
    const settings = this.#settings();
    const seeded = settings.contacts[userId];
    if (seeded) return { steps: seeded, source: 'seeded' };
    return { steps: settings.defaultRules, source: 'default' };
  }

  /** What the user's contact settings show: their rules, where from, and the gateways and push they may use. */
  async contacts(userId: string): Promise<ContactRulesAnswer> {
    const { steps, source } = await this.rules(userId);
    const user = this.#topo.user(userId);
    const gateways = this.#settings()
      .gateways.filter((g) => (!g.users || g.users.includes(userId)) && (!g.roles || (user !== undefined && g.roles.includes(user.role))))
      .map((g) => ({ id: g.id, kind: g.kind, ...(g.name ? { name: g.name } : {}) }));
    return { steps, source, gateways, push: this.vapidPublicKey !== null };
  }

  async setRules(userId: string, steps: ContactStep[]): Promise<void> {
    steps.forEach((s, i) => {
      if (s.channel === 'gateway' && !this.#gateway(s.gateway)) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, `steps[${i}].gateway: unknown gateway "${s.gateway}"`, { details: { issues: [`steps[${i}].gateway: unknown gateway`] } });
      }
    });
    await this.#store.setOwnRules(userId, steps, (g, a) => this.#seededUserOf(g, a));
  }

  #seededUserOf(gatewayId: string, address: string): string | null {
    const want = normaliseAddress(address);
    for (const [userId, rules] of Object.entries(this.#settings().contacts)) {
      if (rules.some((s) => s.channel === 'gateway' && s.gateway === gatewayId && normaliseAddress(s.address) === want)) return userId;
    }
    return null;
  }

  async #userOfAddress(gatewayId: string, address: string): Promise<string | null> {
    const own = await this.#store.userOfAddress(gatewayId, address);
    if (own) {
      // Still in the user's current rules (the index follows them, this guards against a stale entry).
      const rules = await this.#store.ownRules(own);
      if (rules?.some((s) => s.channel === 'gateway' && s.gateway === gatewayId && normaliseAddress(s.address) === normaliseAddress(address))) return own;
    }
    const seeded = this.#seededUserOf(gatewayId, address);
    // A user who set their own rules without this address no longer answers from it.
    if (seeded && (await this.#store.ownRules(seeded)) === null) return seeded;
    return null;
  }

  // --- events ---------------------------------------------------------------------------------

  /** An escalation reached `userIds` (its targets; idempotent). */
  async escalated(userIds: readonly string[], escalation: Omit<Escalation, 'position'>): Promise<void> {
    await this.#start('escalation', userIds, {
      subject: escalation.subject,
      id: escalation.id,
      linkId: escalation.linkId,
      step: escalation.step,
      level: escalation.level,
      drill: escalation.drill,
      at: escalation.at,
    });
  }

  /** An alert was raised for a post none of whose consoles is connected: its operators are contacted. */
  async alertUnattended(alert: Alert): Promise<void> {
    const users = this.#topo.escalationTargets(['counterpart-supervisors'], alert.raiserPostId, alert.counterpartPostId);
    const operators = this.#operatorsOf(alert.counterpartPostId);
    await this.#start('alert', [...users, ...operators], { subject: 'alert', id: alert.alertId, linkId: alert.linkId, step: 0, level: 0, drill: alert.drill, at: alert.raisedAt });
  }

  /** A flash message was sent: the counterpart post's operators are contacted. */
  async flashSent(deadline: MessageDeadline): Promise<void> {
    await this.#start('flash', this.#operatorsOf(deadline.counterpartPostId), { subject: 'message', id: deadline.id, linkId: deadline.linkId, step: 0, level: 0, drill: deadline.drill, at: deadline.sentAt });
  }

  #operatorsOf(postId: string): string[] {
    return this.#topo.usersOfPost(postId);
  }

  /**
   * Plans the contact steps of every user in `userIds` for one event, puts the whole plan on the
   * subject's record in one step, and only then queues the steps: a console that reads the record
   * never sees a plan in part (one user's step already skipped, another's not yet queued) and takes it
   * for finished. A retry (the job that called this failed) records nothing twice and queues under the
   * same job ids.
   */
  async #start(
    event: NotificationEvent,
    userIds: readonly string[],
    s: { subject: 'alert' | 'message'; id: string; linkId: string; step: number; level: number; drill: boolean; at: number },
  ): Promise<void> {
    // Nothing configured beyond the console: no work, not even a read.
    if (this.#settings().gateways.length === 0 && !this.vapidPublicKey) return;
    const plan: { data: ContactJobData; key: string; delay: number; attempt: NotificationAttempt }[] = [];
    for (const userId of new Set(userIds)) {
      const { steps } = await this.rules(userId);
      for (const [index, contact] of steps.entries()) {
        // A channel this deployment cannot serve at all is not queued (each step keeps its index).
        if (contact.channel === 'push' ? !this.vapidPublicKey : !this.#gateway(contact.gateway)) continue;
        const data: ContactJobData = { event, userId, ...s, index, contact };
        const key = jobIds.contact(data);
        plan.push({ data, key, delay: contact.delay, attempt: { at: Date.now(), kind: 'queued', userId, channel: channelName(contact), key, step: s.step, detail: `after ${contact.delay} ms` } });
      }
    }
    await this.#store.recordAll(s.linkId, s.id, plan.map((p) => p.attempt));
    for (const { data, key, delay } of plan) await this.#queue.add(CONTACT_JOB, data, key, Math.max(0, s.at + delay - Date.now()));
  }

  // --- jobs -----------------------------------------------------------------------------------

  /** One contact step: skipped when acknowledged or not allowed; sent at once, or bundled. */
  async runContact(job: ContactJob): Promise<string> {
    const key = jobIds.contact(job);
    const channel = channelName(job.contact);
    const skip = async (detail: string) => {
      await this.#record(job.linkId, [job.id], { at: Date.now(), kind: 'skipped', userId: job.userId, channel, key, step: job.step, detail });
      this.#observer?.delivery(channel, 'skipped');
      return `skipped: ${detail}`;
    };
    const open = await this.#isOpen(job.subject, job.linkId, job.id);
    if (open === null) return skip('gone');
    if (!open.open) return skip('acknowledged');
    const refusal = await this.#refusal(job.contact, job.event, job.userId, job.drill);
    if (refusal) return skip(refusal);
    const item = await this.#item(job.subject, job.linkId, job.id, job.step, job.at, job.level, job.event);
    const settings = this.#settings();
    const tag = channelTag(channelKey(job.contact));
    // A window of 0 turns bundling off.
    const window = settings.bundleWindow > 0 ? await this.#store.claimWindow(job.userId, tag, key, settings.bundleWindow) : { first: true, endsAt: 0 };
    if (window.first) {
      await this.#deliver(job.event, job.userId, job.contact, [item], key, job.drill);
      return 'sent';
    }
    await this.#store.addToBundle(job.userId, tag, item);
    const slot = String(window.endsAt);
    const data: BundleJobData = { event: job.event, userId: job.userId, channel: tag, slot, drill: job.drill, contact: job.contact };
    await this.#queue.add(BUNDLE_JOB, data, jobIds.bundle(job.userId, tag, slot), Math.max(0, window.endsAt - Date.now()));
    await this.#record(job.linkId, [job.id], { at: Date.now(), kind: 'bundled', userId: job.userId, channel, key, step: job.step, detail: `with what follows until ${new Date(window.endsAt).toISOString()}` });
    return 'bundled';
  }

  /** The end of a bundle window: one summary of what gathered, still unacknowledged. */
  async runBundle(job: BundleJob): Promise<string> {
    const items = await this.#store.takeBundle(job.userId, job.channel, job.slot);
    const open: NotificationItem[] = [];
    for (const item of items) if ((await this.#isOpen(item.subject, item.linkId, item.id))?.open) open.push(item);
    const key = `b.${job.userId}.${job.channel}.${job.slot}`;
    const settings = this.#settings();
    if (open.length > 0) {
      const refusal = await this.#refusal(job.contact, job.event, job.userId, job.drill);
      if (!refusal) {
        await this.#deliver(job.event, job.userId, job.contact, open, key, job.drill);
        await this.#store.reopenWindow(job.userId, job.channel, key, settings.bundleWindow);
      }
    }
    await this.#store.dropTakenBundle(job.userId, job.channel, job.slot, settings.bundleWindow * 2);
    return `bundle of ${open.length}`;
  }

  async #deliver(event: NotificationEvent, userId: string, contact: ContactStep, items: NotificationItem[], key: string, drill: boolean): Promise<void> {
    const settings = this.#settings();
    const acknowledgeable = items.filter((i) => i.subject === 'alert');
    const code = acknowledgeable.length > 0 ? await this.#store.codeFor(userId, acknowledgeable, settings.codeTtl) : null;
    const now = Date.now();
    const { title, text } = composeText(event, items, code, drill);
    const base = { key, event, drill, userId, createdAt: now, code, text, title, items };
    if (contact.channel === 'gateway') {
      const gateway = this.#gateway(contact.gateway)!;
      const data: DeliverJobData = { ...base, channel: 'gateway', gatewayId: gateway.id, address: contact.address, deadlineAt: now + gateway.deadline };
      await this.#queue.add(DELIVER_JOB, data, jobIds.deliver(key), 0);
    } else {
      const ttl = settings.push?.ttl ?? 600_000;
      for (const sub of await this.#store.pushSubscriptions(userId)) {
        const data: DeliverJobData = { ...base, channel: 'push', subscriptionId: sub.id, address: sub.device ?? sub.id, deadlineAt: now + ttl };
        await this.#queue.add(DELIVER_JOB, data, jobIds.deliver(key, sub.id), 0);
      }
    }
  }

  /**
   * One delivery attempt. 2xx: delivered. Anything else: thrown, so BullMQ retries it with backoff, until
   * the deadline, after which it fails for good. Web Push 404/410: the subscription is gone and dropped.
   */
  async runDeliver(job: DeliverJobData, attempt: number): Promise<string> {
    const channel = job.channel === 'gateway' ? `gateway:${job.gatewayId}` : 'push';
    const rec = (kind: NotificationAttempt['kind'], detail?: string) =>
      this.#recordItems(job.items, { at: Date.now(), kind, userId: job.userId, channel, key: job.key, attempt, ...(detail === undefined ? {} : { detail }) });
    if (Date.now() > job.deadlineAt) {
      await rec('failed', 'deadline passed');
      this.#observer?.delivery(channel, 'failed');
      throw new UnrecoverableError(`delivery ${job.key} passed its deadline`);
    }
    await rec('sent');
    try {
      const status = job.channel === 'gateway' ? await this.#post(job, attempt) : await this.#push(job);
      await rec('delivered', `HTTP ${status}`);
      this.#observer?.delivery(channel, 'delivered');
      for (const item of job.items) {
        if (item.step > 0 && (await this.#store.firstDelivery(item.linkId, item.id, item.step, Date.now() - item.at))) {
          this.#observer?.firstDelivery((Date.now() - item.at) / 1000);
        }
      }
      return `delivered (${status})`;
    } catch (err) {
      if (err instanceof UnrecoverableError) {
        await rec('failed', err.message);
        this.#observer?.delivery(channel, err.message.includes('expired') ? 'expired' : 'failed');
        throw err;
      }
      await rec('failed', `attempt ${attempt}: ${(err as Error).message}`);
      this.#observer?.delivery(channel, 'retry');
      throw err;
    }
  }

  async #post(job: DeliverJobData, attempt: number): Promise<number> {
    const gateway = this.#gateway(job.gatewayId ?? '');
    if (!gateway) throw new UnrecoverableError(`gateway ${job.gatewayId} is gone from the configuration`);
    const user = this.#topo.user(job.userId);
    const body: WebhookDelivery = {
      v: 1,
      id: job.key,
      gateway: gateway.id,
      event: job.event,
      drill: job.drill,
      createdAt: job.createdAt,
      to: { userId: job.userId, name: user?.name ?? job.userId, address: job.address },
      code: job.code,
      text: job.text,
      items: job.items,
    };
    const raw = JSON.stringify(body);
    const ts = String(Date.now());
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: ts,
        [SIGNATURE_HEADER]: webhookSignature(this.#secrets(gateway), ts, raw),
        [IDEMPOTENCY_HEADER]: job.key,
        [ATTEMPT_HEADER]: String(attempt),
      },
      body: raw,
      signal: AbortSignal.timeout(Math.max(100, gateway.timeout)),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return res.status;
    throw new Error(`HTTP ${res.status}`);
  }

  async #push(job: DeliverJobData): Promise<number> {
    const settings = this.#settings();
    if (!this.#vapid || !settings.push) throw new UnrecoverableError('Web Push is not configured');
    const sub = (await this.#store.pushSubscriptions(job.userId)).find((s) => s.id === job.subscriptionId);
    if (!sub) throw new UnrecoverableError('subscription expired or removed');
    const ack = await this.#pushAck(job, sub);
    const payload: PushPayload = { v: 1, event: job.event, drill: job.drill, title: job.title, body: job.text, items: job.items, id: job.key, ...(ack ? { ack } : {}) };
    // web-push encrypts (RFC 8291, aes128gcm) and signs the VAPID JWT (RFC 8292); the request goes out
    // through fetch, with the same timeout handling as the gateways.
    const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, JSON.stringify(payload), {
      vapidDetails: { subject: settings.push.subject, publicKey: this.#vapid.publicKey, privateKey: this.#vapid.privateKey },
      TTL: Math.round(settings.push.ttl / 1000),
      contentEncoding: 'aes128gcm',
      urgency: 'high',
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(details.headers)) if (v !== undefined) headers[k] = String(v);
    const res = await fetch(details.endpoint, {
      method: 'POST',
      headers,
      ...(details.body ? { body: new Uint8Array(details.body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 404 || res.status === 410) {
      await this.#store.removePush(job.userId, sub.id);
      this.#log.info({ userId: job.userId, subscription: sub.id, status: res.status }, 'push subscription expired; dropped');
      throw new UnrecoverableError(`subscription expired (HTTP ${res.status})`);
    }
    if (res.status >= 200 && res.status < 300) return res.status;
    throw new Error(`HTTP ${res.status}`);
  }

  /**
   * The acknowledgement part of a push: for a device that subscribed with its signing key, a grant
   * bound to (user, session, key, the open alerts listed, expiry) and each alert's raised hash, which
   * the device's signature quotes. None when nothing listed is an open alert.
   */
  async #pushAck(job: DeliverJobData, sub: StoredPushSubscription): Promise<PushAck | undefined> {
    if (!this.#grants || !sub.keyId || !sub.sid) return undefined;
    const alerts: PushAck['alerts'] = [];
    for (const item of job.items) {
      if (item.subject !== 'alert') continue;
      const a = await this.#alertStore.get(item.linkId, item.id);
      // A drill session's console acts on exercise alerts only; a grant never names more than 50.
      if (a?.state === 'open' && (!sub.drillOnly || a.drill) && alerts.length < 50) alerts.push({ alertId: a.alertId, quotedHash: a.raisedHash });
    }
    if (alerts.length === 0) return undefined;
    const ttl = this.#settings().push?.grantTtl ?? 3_600_000;
    const { grant, expiresAt } = await this.#grants.issue({ sub: job.userId, sid: sub.sid, kid: sub.keyId, alerts: alerts.map((a) => a.alertId), ...(sub.drillOnly ? { drill: true as const } : {}) }, Date.now() + ttl);
    return { grant, url: '/api/alerts/ack-from-push', alerts, expiresAt };
  }

  /**
   * An acknowledgement from a push notification's action: the grant the push carried, and per alert the
   * device's signature over the alert:ack signing input. Checked in this order, each refusal with its
   * code and `details.reason`, nothing written before every check passed: body (VALIDATION_FAILED
   * bad-body), grant (UNAUTHENTICATED bad-grant / grant-expired), session revoked or user disabled
   * (UNAUTHENTICATED session-revoked / unknown-user), an alert the grant does not name (FORBIDDEN
   * not-in-grant), a signature by another key than the grant's (FORBIDDEN wrong-key), the key itself
   * (BAD_SIGNATURE: unknown, revoked, expired, not this session's, not matching), permission (FORBIDDEN
   * not-permitted). Then each alert is acknowledged through the same path as alert:ack, signature kept.
   */
  async ackFromPush(body: unknown): Promise<AckFromPushResult> {
    const refuse = (code: ErrorCode, reason: string, message: string) => new AppError(code, message, { details: { reason } });
    const parsed = AckFromPushRequest.safeParse(body);
    if (!parsed.success) throw refuse(ErrorCode.VALIDATION_FAILED, 'bad-body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const req = parsed.data;
    if (!this.#grants) throw refuse(ErrorCode.NOT_FOUND, 'push-off', 'acknowledging from a push is not configured on this deployment');
    const check = await this.#grants.verify(req.grant);
    if (!check.ok) {
      throw check.reason === 'expired'
        ? refuse(ErrorCode.UNAUTHENTICATED, 'grant-expired', 'the acknowledgement grant has expired')
        : refuse(ErrorCode.UNAUTHENTICATED, 'bad-grant', 'the acknowledgement grant is not valid');
    }
    const grant = check.claims;
    const user = this.#topo.user(grant.sub);
    if (!user || user.disabled) throw refuse(ErrorCode.UNAUTHENTICATED, 'unknown-user', 'the user of this grant is unknown or disabled');
    if (await this.#sessionRevoked(grant.sid)) throw refuse(ErrorCode.UNAUTHENTICATED, 'session-revoked', 'the session this grant was made for was revoked');
    const principal = this.#topo.principalFor(user, { sid: grant.sid, exp: grant.exp, drill: grant.drill === true });
    for (const ack of req.acks) {
      if (!grant.alerts.includes(ack.alertId)) throw refuse(ErrorCode.FORBIDDEN, 'not-in-grant', `the grant does not name ${ack.alertId}`);
      if (ack.sig.keyId !== grant.kid) throw refuse(ErrorCode.FORBIDDEN, 'wrong-key', `signed with key ${ack.sig.keyId}, not the device key the grant names`);
    }
    for (const ack of req.acks) {
      const key = await this.#alerts.checkAckSignature(principal, ack);
      if (key.sessionId !== undefined && key.sessionId !== grant.sid) {
        throw new AppError(ErrorCode.BAD_SIGNATURE, `key ${ack.sig.keyId} belongs to another session`, { details: { reason: 'other-session' } });
      }
      try {
        await this.#alerts.checkAcknowledger(principal, ack.alertId);
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.FORBIDDEN) throw refuse(ErrorCode.FORBIDDEN, 'not-permitted', `${user.id} may not acknowledge ${ack.alertId}: ${err.message}`);
        if (err instanceof AppError && err.code === ErrorCode.CONFLICT) continue; // cancelled: reported below
        throw err;
      }
    }
    const acknowledged: AckFromPushResult['acknowledged'] = [];
    for (const ack of req.acks) {
      try {
        const result = await this.#alerts.transition(principal, 'ack', { alertId: ack.alertId, quotedHash: ack.quotedHash, sig: ack.sig }, { via: { channel: 'push' } });
        acknowledged.push({ alertId: ack.alertId, state: result.alert.state, entrySeq: result.entry?.seq ?? null });
        if (result.entry) {
          await this.#record(result.alert.linkId, [ack.alertId], {
            at: Date.now(),
            kind: 'acknowledged-through',
            userId: user.id,
            channel: 'push',
            key: `push.${ack.sig.keyId}`,
            step: result.alert.step,
            detail: `entry ${result.entry.seq}`,
          });
          this.#observer?.acknowledgedThrough('push');
        }
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.CONFLICT) {
          acknowledged.push({ alertId: ack.alertId, state: String((err.details?.state as string | undefined) ?? 'conflict'), entrySeq: null });
          continue;
        }
        throw err;
      }
    }
    this.#log.info({ userId: user.id, keyId: grant.kid, alerts: acknowledged.length }, 'acknowledged from a push notification');
    return { ok: true, userId: user.id, acknowledged };
  }

  // --- replies ----------------------------------------------------------------------------------

  /**
   * A gateway's reply. Checked in this order, each refusal with its code and `details.reason`, and
   * nothing written before every check passed: unknown gateway (NOT_FOUND), signature
   * (UNAUTHENTICATED bad-signature), timestamp outside the window (UNAUTHENTICATED stale-timestamp),
   * body (VALIDATION_FAILED), text not "ACK <code>" (VALIDATION_FAILED unreadable-reply), sender not a
   * registered contact (FORBIDDEN unknown-contact), code (NOT_FOUND unknown-code), permission
   * (FORBIDDEN not-permitted), messageId seen before (CONFLICT replayed).
   */
  async reply(gatewayId: string, raw: Buffer, headers: Record<string, string | string[] | undefined>): Promise<GatewayReplyResult> {
    const refuse = (code: ErrorCode, reason: string, message: string) => new AppError(code, message, { details: { reason } });
    const gateway = this.#gateway(gatewayId);
    if (!gateway) throw refuse(ErrorCode.NOT_FOUND, 'unknown-gateway', `no gateway ${gatewayId}`);
    const ts = header(headers, TIMESTAMP_HEADER) ?? '';
    if (!verifyWebhookSignature(this.#secrets(gateway), ts, raw, header(headers, SIGNATURE_HEADER))) {
      throw refuse(ErrorCode.UNAUTHENTICATED, 'bad-signature', 'the signature does not match the body and timestamp');
    }
    const settings = this.#settings();
    if (Math.abs(Date.now() - Number(ts)) > settings.replyWindow) {
      throw refuse(ErrorCode.UNAUTHENTICATED, 'stale-timestamp', `the timestamp is more than ${settings.replyWindow} ms away from the server's clock`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw refuse(ErrorCode.VALIDATION_FAILED, 'not-json', 'the body is not JSON');
    }
    const parsed = GatewayReply.safeParse(json);
    if (!parsed.success) throw refuse(ErrorCode.VALIDATION_FAILED, 'bad-body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const reply = parsed.data;
    const m = ACK_RE.exec(reply.text);
    if (!m) throw refuse(ErrorCode.VALIDATION_FAILED, 'unreadable-reply', 'the reply is not "ACK <code>"');
    const code = m[1]!;
    const userId = await this.#userOfAddress(gateway.id, reply.from);
    const user = userId ? this.#topo.user(userId) : undefined;
    if (!user) throw refuse(ErrorCode.FORBIDDEN, 'unknown-contact', 'the sender is not a registered contact on this gateway');
    const items = await this.#store.itemsOfCode(user.id, code);
    if (!items) throw refuse(ErrorCode.NOT_FOUND, 'unknown-code', `no live code ${code} for this sender`);
    const principal = this.#topo.principalFor(user, { exp: Date.now() + 60_000 });
    const alerts = items.filter((i) => i.subject === 'alert');
    for (const item of alerts) {
      try {
        await this.#alerts.checkAcknowledger(principal, item.id);
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.FORBIDDEN) throw refuse(ErrorCode.FORBIDDEN, 'not-permitted', `${user.id} may not acknowledge ${item.id}: ${err.message}`);
        if (err instanceof AppError && err.code === ErrorCode.CONFLICT) continue; // cancelled: nothing to acknowledge, reported below
        throw err;
      }
    }
    if (!(await this.#store.claimReply(gateway.id, reply.messageId, settings.replyWindow * 2))) {
      throw refuse(ErrorCode.CONFLICT, 'replayed', `reply ${reply.messageId} was received before`);
    }
    const acknowledged: GatewayReplyResult['acknowledged'] = [];
    for (const item of alerts) {
      try {
        const result = await this.#alerts.acknowledgeThrough(principal, item.id, { channel: 'gateway', gateway: gateway.id, messageId: reply.messageId, code });
        acknowledged.push({ alertId: item.id, state: result.alert.state, entrySeq: result.entry?.seq ?? null });
        if (result.entry) {
          await this.#record(item.linkId, [item.id], {
            at: Date.now(),
            kind: 'acknowledged-through',
            userId: user.id,
            channel: `gateway:${gateway.id}`,
            key: `reply.${reply.messageId}`,
            step: item.step,
            detail: `entry ${result.entry.seq}`,
          });
          this.#observer?.acknowledgedThrough(gateway.id);
        }
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.CONFLICT) {
          acknowledged.push({ alertId: item.id, state: String((err.details?.state as string | undefined) ?? 'conflict'), entrySeq: null });
          continue;
        }
        throw err;
      }
    }
    this.#log.info({ gateway: gateway.id, userId: user.id, code, alerts: acknowledged.length }, 'acknowledged through a gateway reply');
    return { ok: true, userId: user.id, acknowledged };
  }

  // --- push subscriptions -------------------------------------------------------------------------

  /** Stores a subscription; with a `keyId` (and the session it came from) its pushes carry acknowledgement grants. */
  async subscribe(userId: string, req: PushSubscriptionRequest, sid?: string, drillOnly = false): Promise<{ id: string }> {
    const id = createHash('sha256').update(req.endpoint).digest('hex').slice(0, 24);
    await this.#store.addPush(userId, {
      id,
      endpoint: req.endpoint,
      keys: req.keys,
      ...(req.device ? { device: req.device } : {}),
      ...(req.keyId && sid ? { keyId: req.keyId, sid } : {}),
      ...(drillOnly ? { drillOnly: true } : {}),
      createdAt: Date.now(),
    });
    return { id };
  }

  async unsubscribe(userId: string, id: string): Promise<boolean> {
    return this.#store.removePush(userId, id);
  }

  async devices(userId: string): Promise<{ id: string; device: string | null; createdAt: number }[]> {
    return (await this.#store.pushSubscriptions(userId)).map((s) => ({ id: s.id, device: s.device ?? null, createdAt: s.createdAt }));
  }

  async attempts(linkId: string, subjectId: string): Promise<NotificationAttempt[]> {
    return this.#store.attempts(linkId, subjectId);
  }

  /**
   * Reports over the alerts raised in [from, to] on the caller's links: for each escalation step, the
   * time to its first delivered notification, and from the first escalation to the acknowledgement.
   */
  async report(principal: Principal, query: { from: number; to: number }): Promise<NotificationReport> {
    if (principal.role === 'operator') throw new AppError(ErrorCode.FORBIDDEN, 'reports are for monitors, commanders and admins');
    const toFirst: number[] = [];
    const toAck: number[] = [];
    let escalations = 0;
    const attempts: NotificationReport['attempts'] = {};
    for (const linkId of this.#topo.readableLinkIds(principal)) {
      const first = await this.#store.firstDeliveries(linkId);
      for (const a of await this.#alertStore.list(linkId, { since: query.from, limit: 100_000 })) {
        if (a.raisedAt > query.to) continue;
        if (a.escalations.length > 0) {
          for (const at of await this.#store.attempts(linkId, a.alertId)) {
            const perKind = (attempts[at.channel] ??= {});
            perKind[at.kind] = (perKind[at.kind] ?? 0) + 1;
          }
        }
        for (const e of a.escalations) {
          escalations++;
          const ms = first.get(`${a.alertId}:${e.step}`);
          if (ms !== undefined) toFirst.push(ms);
        }
        const e1 = a.escalations[0];
        if (e1 && a.acknowledgedAt !== undefined && a.acknowledgedAt >= e1.at) toAck.push(a.acknowledgedAt - e1.at);
      }
    }
    return { from: query.from, to: query.to, escalations, delivered: toFirst.length, escalationToFirstDeliveryMs: quantiles(toFirst), escalationToAcknowledgementMs: quantiles(toAck), attempts };
  }

  // --- helpers ----------------------------------------------------------------------------------

  async #refusal(contact: ContactStep, event: NotificationEvent, userId: string, drill: boolean): Promise<string | null> {
    if (contact.channel === 'push') {
      if (!this.#vapid || !this.#settings().push) return 'push not configured';
      if ((await this.#store.pushSubscriptions(userId)).length === 0) return 'no push subscription';
      return null;
    }
    const g = this.#gateway(contact.gateway);
    if (!g) return `no gateway ${contact.gateway}`;
    if (drill && g.liveOnly) return 'live-only gateway: drill traffic is never sent';
    if (!g.events.includes(event)) return `gateway does not carry ${event}`;
    const user = this.#topo.user(userId);
    if (g.users && !g.users.includes(userId)) return 'user not served by the gateway';
    if (g.roles && (!user || !g.roles.includes(user.role))) return 'role not served by the gateway';
    return null;
  }

  async #isOpen(subject: 'alert' | 'message', linkId: string, id: string): Promise<{ open: boolean } | null> {
    if (subject === 'alert') {
      const a = await this.#alertStore.get(linkId, id);
      return a ? { open: a.state === 'open' } : null;
    }
    const d = await this.#deadlines.get(linkId, id);
    return d ? { open: d.state === 'awaiting' } : null;
  }

  async #item(subject: 'alert' | 'message', linkId: string, id: string, step: number, at: number, level: number, event: NotificationEvent): Promise<NotificationItem> {
    const link = this.#topo.link(linkId);
    const postName = (pid: string) => this.#topo.post(pid)?.name ?? pid;
    const lvl = event === 'escalation' && level > 0 ? ` L${level}` : '';
    if (subject === 'alert') {
      const a = await this.#alertStore.get(linkId, id);
      if (!a) throw new UnrecoverableError(`no alert ${id}`);
      const title = `${KIND_LABEL[a.kind] ?? a.kind}${lvl}, sev ${a.severity}, ${postName(a.raiserPostId)}: ${a.description}`;
      return { subject, id, linkId, step, title, severity: a.severity, at };
    }
    const d = await this.#deadlines.get(linkId, id);
    if (!d) throw new UnrecoverableError(`no message ${id}`);
    return { subject, id, linkId, step, title: `${d.precedence.toUpperCase()}${lvl} ${postName(d.senderPostId)} (${link?.name ?? linkId}): ${d.excerpt}`, at };
  }

  async #record(linkId: string, subjectIds: string[], attempt: NotificationAttempt): Promise<void> {
    for (const id of subjectIds) await this.#store.record(linkId, id, attempt);
  }

  async #recordItems(items: NotificationItem[], attempt: Omit<NotificationAttempt, 'step'>): Promise<void> {
    for (const item of items) await this.#store.record(item.linkId, item.id, { ...attempt, step: item.step });
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function channelName(contact: ContactStep): string {
  return contact.channel === 'push' ? 'push' : `gateway:${contact.gateway}`;
}

function channelKey(contact: ContactStep): string {
  return contact.channel === 'push' ? 'push' : `gateway:${contact.gateway}:${normaliseAddress(contact.address)}`;
}

/** The title and one-SMS text of a delivery. */
export function composeText(event: NotificationEvent, items: NotificationItem[], code: string | null, drill: boolean): { title: string; text: string } {
  const mark = drill ? 'EXERCISE ' : '';
  const tail = code ? (items.length > 1 ? `Reply ACK ${code} for all` : `Reply ACK ${code}`) : '';
  if (items.length === 1) {
    const title = `${mark}${EVENT_LABEL[event]}: ${items[0]!.title}`;
    return { title, text: fitSms(`${mark}${EVENT_LABEL[event]}:`, items[0]!.title, tail) };
  }
  const title = `${mark}${items.length} ${event === 'flash' ? 'FLASH MESSAGES' : 'ALERTS'} (${EVENT_LABEL[event]})`;
  return { title, text: fitSms(`${title}:`, items.map((i) => i.title).join('; '), tail) };
}

export interface NotificationReport {
  from: number;
  to: number;
  /** Escalation steps of the alerts raised in the period. */
  escalations: number;
  /** Of those, how many had a notification delivered (a 2xx) on some channel. */
  delivered: number;
  escalationToFirstDeliveryMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  escalationToAcknowledgementMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  /** The recorded attempts of those alerts, per channel ("push", "gateway:<id>") and kind. */
  attempts: Record<string, Partial<Record<AttemptKind, number>>>;
}

function quantiles(values: number[]): NotificationReport['escalationToFirstDeliveryMs'] {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => (v.length === 0 ? null : v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))]!);
  return { count: v.length, p50: q(0.5), p95: q(0.95), max: v.length === 0 ? null : v[v.length - 1]! };
}
