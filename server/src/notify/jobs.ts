import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ContactStep, Id, LinkId, NotificationEvent, NotificationItem } from '@hotline/shared';

/** The queue of notification work: contact steps, bundles and deliveries. */
export const NOTIFY_QUEUE = 'notifications';
/** Use one step of a user's contact rules for one event (if still unacknowledged). */
export const CONTACT_JOB = 'contact';
/** Send what a bundle window gathered on one channel. */
export const BUNDLE_JOB = 'bundle';
/** POST one webhook or send one push, retried with backoff until 2xx or its deadline. */
export const DELIVER_JOB = 'deliver';

export const ContactJobData = z.object({
  event: NotificationEvent,
  userId: Id,
  subject: z.enum(['alert', 'message']),
  id: z.string().min(1).max(120),
  linkId: LinkId,
  step: z.number().int().min(0),
  level: z.number().int().min(0),
  drill: z.boolean(),
  /** When the event happened (escalation, raise, send). */
  at: z.number().int(),
  index: z.number().int().min(0),
  contact: ContactStep,
});
export type ContactJobData = z.input<typeof ContactJobData>;
export type ContactJob = z.output<typeof ContactJobData>;

export const BundleJobData = z.object({
  event: NotificationEvent,
  userId: Id,
  channel: z.string(),
  slot: z.string(),
  drill: z.boolean(),
  contact: ContactStep,
});
export type BundleJobData = z.input<typeof BundleJobData>;
export type BundleJob = z.output<typeof BundleJobData>;

export const DeliverJobData = z.object({
  key: z.string(),
  channel: z.enum(['gateway', 'push']),
  gatewayId: Id.optional(),
  subscriptionId: z.string().optional(),
  event: NotificationEvent,
  drill: z.boolean(),
  userId: Id,
  address: z.string(),
  createdAt: z.number().int(),
  deadlineAt: z.number().int(),
  code: z.string().nullable(),
  text: z.string(),
  title: z.string(),
  items: z.array(NotificationItem).min(1),
});
export type DeliverJobData = z.infer<typeof DeliverJobData>;

/** A short stable tag for a channel ("push", "gateway:sms:+92…"), usable in job ids and keys. */
export function channelTag(channel: string): string {
  return createHash('sha256').update(channel).digest('hex').slice(0, 16);
}

/** BullMQ job ids: deterministic, no ':' and never all digits. */
export const jobIds = {
  contact: (d: { id: string; step: number; userId: string; index: number; event: string }) => `ct-${d.event}-${d.id}-${d.step}-${d.userId}-${d.index}`,
  bundle: (userId: string, tag: string, slot: string) => `bd-${userId}-${tag}-${slot}`,
  deliver: (key: string, sub?: string) => `dl-${key.replaceAll(':', '_')}${sub ? `-${sub}` : ''}`,
};
