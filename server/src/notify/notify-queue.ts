import { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { RedisClient } from '../store/redis.js';
import { NOTIFY_QUEUE } from './jobs.js';

/**
 * The notifications queue. Every job id is deterministic, so adding a job that exists is a no-op; jobs
 * live in Redis, so a node that dies with deliveries pending loses none (BullMQ hands a stalled job to
 * another worker).
 */
export class NotifyQueue {
  readonly queue: Queue;

  constructor(connection: RedisClient, prefix: string, log: Logger) {
    this.queue = new Queue(NOTIFY_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        // Deliveries stop at their deadline, not at a number of attempts.
        attempts: 10_000,
        backoff: { type: 'notify' },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: 5000,
      },
    });
    this.queue.on('error', (err) => log.warn({ err }, 'notification queue error'));
  }

  /** Adds a job under `jobId` after `delayMs`; a no-op when that job exists. */
  async add(name: string, data: object, jobId: string, delayMs: number): Promise<void> {
    await this.queue.add(name, data, { jobId, delay: Math.max(0, Math.round(delayMs)) });
  }

  depth(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
  }

  /** Deliveries that failed for good, newest first (admin view). */
  async failures(limit: number): Promise<{ id: string | undefined; name: string; data: unknown; reason: string; attempts: number; at: number | undefined }[]> {
    const jobs = await this.queue.getFailed(0, Math.max(0, limit - 1));
    return jobs.map((j) => ({ id: j.id, name: j.name, data: j.data, reason: j.failedReason, attempts: j.attemptsMade, at: j.finishedOn }));
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
