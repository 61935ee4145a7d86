import { z } from 'zod';
import { Duration, Id, Role } from './topology-base.js';

/**
 * Notifications beyond the console: outbound gateways (SMS, radio, messaging) reached by signed webhooks,
 * Web Push to installed consoles, each user's contact rules, and the replies gateways post back. One
 * schema per wire shape, used by the server and by anything that speaks to it.
 */

/** What a gateway or a push is sent for. */
export const NotificationEvent = z.enum([
  /** An alert or a flash/immediate message escalated to the user. */
  'escalation',
  /** An alert was raised for a post none of whose consoles is connected. */
  'alert',
  /** A flash message was sent to the user's post. */
  'flash',
]);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** A secret given inline or as "env:NAME" (read from the environment at start-up). */
const Secret = z.string().min(16, 'must be at least 16 characters (or "env:NAME")').max(500);

export const GatewaySchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120).optional(),
  /** What it reaches; only informative (every gateway gets the same JSON). @default "sms" */
  kind: z.enum(['sms', 'radio', 'messaging', 'email', 'other']).default('sms'),
  /** Where deliveries are POSTed. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** HMAC-SHA256 key shared with the gateway, for deliveries and for its replies. */
  secret: Secret,
  /** Which events it carries. */
  events: z.array(NotificationEvent).min(1),
  /** Only these users (ids). Both absent: everyone whose contact rules name the gateway. */
  users: z.array(Id).optional(),
  /** Only users of these roles. */
  roles: z.array(Role).optional(),
  /** Never carries drill traffic. @default false */
  liveOnly: z.boolean().default(false),
  /** How long a delivery is retried before it counts as failed. @default "15m" */
  deadline: Duration.default(15 * 60_000),
  /** How long one request may take. @default "10s" */
  timeout: Duration.default(10_000),
});
export type Gateway = z.output<typeof GatewaySchema>;

/** One step of a user's contact rules: a channel, and how long after the event it is used while unacknowledged. */
export const ContactStep = z.discriminatedUnion('channel', [
  z.strictObject({
    /** Web Push to every device the user subscribed. */
    channel: z.literal('push'),
    delay: Duration.default(0),
  }),
  z.strictObject({
    channel: z.literal('gateway'),
    /** The gateway's id. */
    gateway: Id,
    /** The user's address on that gateway: a phone number in E.164 form for SMS, a radio id, a mailbox. */
    address: z.string().trim().min(3).max(200),
    delay: Duration.default(0),
  }),
]);
export type ContactStep = z.output<typeof ContactStep>;

/** A user's contact rules: the steps in order. Delays must not decrease. */
export const ContactRules = z
  .array(ContactStep)
  .max(10)
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]!.delay < steps[i - 1]!.delay) ctx.addIssue({ code: 'custom', path: [i, 'delay'], message: 'must not be shorter than the step before' });
    }
  });
export type ContactRules = z.output<typeof ContactRules>;

/** PUT /api/notifications/contacts: the caller's own contact rules. */
export const ContactRulesRequest = z.strictObject({ steps: ContactRules });
export type ContactRulesRequest = z.input<typeof ContactRulesRequest>;

/** A gateway a user may name in their rules, as the console lists it (never its URL or secret). */
export const ContactGateway = z.object({
  id: Id,
  name: z.string().optional(),
  kind: z.enum(['sms', 'radio', 'messaging', 'email', 'other']),
});
export type ContactGateway = z.infer<typeof ContactGateway>;

/** GET and PUT /api/notifications/contacts answer: the caller's rules, where they come from, and what they may name. */
export const ContactRulesAnswer = z.object({
  steps: z.array(ContactStep),
  source: z.enum(['own', 'seeded', 'default']),
  /** The gateways that serve this user (by the gateway's users and roles). */
  gateways: z.array(ContactGateway),
  /** Whether Web Push is on in this deployment. */
  push: z.boolean(),
});
export type ContactRulesAnswer = z.output<typeof ContactRulesAnswer>;

export const PushSettingsSchema = z.strictObject({
  /** VAPID subject: "mailto:..." or an https URL where the push service can reach the operator. */
  subject: z.string().regex(/^(mailto:|https:\/\/)/, 'must start with "mailto:" or "https://"'),
  /** How long a push service keeps a message for an offline device. @default "10m" */
  ttl: Duration.default(10 * 60_000),
});

export const NotificationsSchema = z.strictObject({
  gateways: z.array(GatewaySchema).default([]),
  /** Web Push settings; the VAPID keys come from the environment. */
  push: PushSettingsSchema.optional(),
  /** Contact rules of users who have set none themselves. @default push at once */
  defaultRules: ContactRules.default([{ channel: 'push', delay: 0 }]),
  /** Contact rules seeded per user id (a user's own rules, set through the API, win). */
  contacts: z.record(Id, ContactRules).default({}),
  /** Notifications to one person on one channel within this window after one was sent are bundled. @default "1m" */
  bundleWindow: Duration.default(60_000),
  /** How far a reply's timestamp may be from the server's clock. @default "5m" */
  replyWindow: Duration.default(5 * 60_000),
  /** How long an acknowledgement code can be answered. @default "24h" */
  codeTtl: Duration.default(24 * 3_600_000),
});
export type NotificationsConfig = z.output<typeof NotificationsSchema>;

/** Cross-checks of the section against the rest of the topology. */
export function checkNotifications(
  n: NotificationsConfig | undefined,
  users: readonly { id: string }[],
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
): void {
  if (!n) return;
  const userIds = new Set(users.map((u) => u.id));
  const gateways = new Set<string>();
  n.gateways.forEach((g, i) => {
    if (gateways.has(g.id)) ctx.addIssue({ code: 'custom', path: ['notifications', 'gateways', i, 'id'], message: `duplicate id "${g.id}"` });
    gateways.add(g.id);
    (g.users ?? []).forEach((u, j) => {
      if (!userIds.has(u)) ctx.addIssue({ code: 'custom', path: ['notifications', 'gateways', i, 'users', j], message: `unknown user "${u}"` });
    });
  });
  const checkRules = (rules: ContactRules, path: (string | number)[]) =>
    rules.forEach((s, i) => {
      if (s.channel === 'gateway' && !gateways.has(s.gateway)) ctx.addIssue({ code: 'custom', path: [...path, i, 'gateway'], message: `unknown gateway "${s.gateway}"` });
    });
  checkRules(n.defaultRules, ['notifications', 'defaultRules']);
  for (const [user, rules] of Object.entries(n.contacts)) {
    if (!userIds.has(user)) ctx.addIssue({ code: 'custom', path: ['notifications', 'contacts', user], message: `unknown user "${user}"` });
    checkRules(rules, ['notifications', 'contacts', user]);
  }
}

// --- the webhook a gateway receives ------------------------------------------------------------------

/** One thing a delivery is about. */
export const NotificationItem = z.object({
  subject: z.enum(['alert', 'message']),
  /** The alert id, or the message deadline id. */
  id: z.string().min(1).max(120),
  linkId: Id,
  /** The escalation step (0 for an alert or flash notified before any escalation). */
  step: z.number().int().min(0),
  /** One-line summary, in the language of the raising side. */
  title: z.string(),
  severity: z.number().int().min(1).max(4).optional(),
  at: z.number().int(),
});
export type NotificationItem = z.infer<typeof NotificationItem>;

/**
 * The JSON body POSTed to a gateway. Headers: `X-Hotline-Timestamp` (ms since the epoch),
 * `X-Hotline-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, `Idempotency-Key`
 * (equal to `id`), `X-Hotline-Attempt`.
 */
export const WebhookDelivery = z.object({
  v: z.literal(1),
  /** The idempotency key: the same for every retry of this delivery, never reused for another. */
  id: z.string().min(1).max(200),
  gateway: Id,
  event: NotificationEvent,
  /** Exercise traffic: the text starts with "EXERCISE". */
  drill: z.boolean(),
  /** When the delivery was created (its first attempt was queued). */
  createdAt: z.number().int(),
  to: z.object({ userId: Id, name: z.string(), address: z.string() }),
  /** The code a reply quotes ("ACK <code>") to acknowledge every item listed; null when nothing can be acknowledged. */
  code: z.string().regex(/^\d{4,8}$/).nullable(),
  /** The text to send as is: fits one SMS (160 GSM-7 or 70 UCS-2 characters). */
  text: z.string(),
  /** What it is about; more than one when a burst was bundled. */
  items: z.array(NotificationItem).min(1),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** The body a gateway POSTs to /api/gateways/:gatewayId/replies, signed like a delivery. */
export const GatewayReply = z.strictObject({
  /** The gateway's own id of the incoming message: a second reply with the same id is a replay. */
  messageId: z.string().min(1).max(200),
  /** The sender's address, as in the user's contact rules (e.g. "+923001234567"). */
  from: z.string().trim().min(3).max(200),
  /** What they wrote, e.g. "ACK 4821". */
  text: z.string().max(2000),
});
export type GatewayReply = z.infer<typeof GatewayReply>;

/** The answer to a reply that acknowledged. */
export interface GatewayReplyResult {
  ok: true;
  userId: string;
  /** Every alert the code listed and what became of it. */
  acknowledged: { alertId: string; state: string; entrySeq: number | null }[];
}

// --- Web Push ------------------------------------------------------------------------------------------

/** A browser's PushSubscription as `toJSON()` gives it, plus the device it belongs to. */
export const PushSubscriptionRequest = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    /** base64url P-256 public key of the browser (65 bytes uncompressed). */
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, 'must be a base64url P-256 public key'),
    /** base64url 16-byte authentication secret. */
    auth: z.string().regex(/^[A-Za-z0-9_-]{22,24}={0,2}$/, 'must be a base64url 16-byte secret'),
  }),
  /** The console's device name, shown in the list of the user's devices. */
  device: z.string().trim().min(1).max(120).optional(),
});
export type PushSubscriptionRequest = z.input<typeof PushSubscriptionRequest>;

/** The JSON a push message carries (encrypted, RFC 8291), and the service worker reads. */
export const PushPayload = z.object({
  v: z.literal(1),
  event: NotificationEvent,
  drill: z.boolean(),
  title: z.string(),
  body: z.string(),
  /** Same as in the webhook: a reply code, and the items. */
  items: z.array(NotificationItem).min(1),
  /** The delivery's idempotency key (the notification's tag, so a retry replaces, never doubles). */
  id: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

// --- the record of attempts ----------------------------------------------------------------------------

export const AttemptKind = z.enum(['queued', 'sent', 'delivered', 'failed', 'skipped', 'bundled', 'acknowledged-through']);
export type AttemptKind = z.infer<typeof AttemptKind>;

/** One step in a notification's life, recorded against the alert or message it concerns. */
export const NotificationAttempt = z.object({
  at: z.number().int(),
  kind: AttemptKind,
  userId: Id,
  /** "push" or "gateway:<id>". */
  channel: z.string(),
  /** The delivery's idempotency key. */
  key: z.string(),
  step: z.number().int().min(0),
  attempt: z.number().int().optional(),
  /** HTTP status, reason for a skip or failure. */
  detail: z.string().optional(),
});
export type NotificationAttempt = z.infer<typeof NotificationAttempt>;
