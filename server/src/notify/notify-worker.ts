import { UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../log.js';
import type { RedisClient } from '../store/redis.js';
import { BUNDLE_JOB, BundleJobData, CONTACT_JOB, ContactJobData, DELIVER_JOB, DeliverJobData, NOTIFY_QUEUE } from './jobs.js';
import type { NotificationService } from './notification-service.js';

/** Exponential backoff with jitter, capped: `base`·2^(n-1) · [0.5, 1), at most `max`. */
export function notifyBackoff(baseMs: number, maxMs: number) {
  return (attemptsMade: number): number => {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.max(1, Math.round(exp * (0.5 + Math.random() / 2)));
  };
}

/** Runs contact, bundle and delivery jobs. Bad payloads fail at once; failed attempts are retried with backoff. */
export function startNotifyWorker(options: {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  service: NotificationService;
  backoff: { baseMs: number; maxMs: number };
  /** How long a job may run before it counts as stalled and moves to another worker. @default 30000 */
  lockDuration?: number;
  log: Logger;
}): Worker {
  const { service, log } = options;
  const backoff = notifyBackoff(options.backoff.baseMs, options.backoff.maxMs);
  const worker = new Worker(
    NOTIFY_QUEUE,
    async (job) => {
      if (job.name === CONTACT_JOB) {
        const parsed = ContactJobData.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`bad contact job: ${parsed.error.message}`);
        return service.runContact(parsed.data);
      }
      if (job.name === BUNDLE_JOB) {
        const parsed = BundleJobData.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`bad bundle job: ${parsed.error.message}`);
        return service.runBundle(parsed.data);
      }
      if (job.name === DELIVER_JOB) {
        const parsed = DeliverJobData.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`bad delivery job: ${parsed.error.message}`);
        return service.runDeliver(parsed.data, job.attemptsMade + 1);
      }
      throw new UnrecoverableError(`unknown job ${job.name}`);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: true,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.lockDuration ?? 30_000,
      settings: { backoffStrategy: (attemptsMade: number) => backoff(attemptsMade) },
    },
  );
  worker.on('error', (err) => log.warn({ err }, 'notification worker error'));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ err, jobId: job.id }, 'notification job failed');
    else if (err instanceof UnrecoverableError) log.warn({ jobId: job?.id, reason: err.message }, 'notification given up');
  });
  return worker;
}
