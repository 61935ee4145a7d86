import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { ESCALATE_JOB, ESCALATION_QUEUE, escalationJobId, type EscalateJobData } from './jobs.js';

/**
 * Schedules and unschedules escalation timers as BullMQ delayed jobs. Jobs live in Redis, so no timer
 * is lost with a node; correctness never rests on a removal having happened (the worker re-checks).
 */
export class EscalationScheduler {
  readonly queue: Queue<EscalateJobData>;
  readonly #log: Logger;

  constructor(connection: Redis, prefix: string, log: Logger) {
    this.queue = new Queue<EscalateJobData>(ESCALATION_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: 'exponential', delay: 200 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    });
    this.queue.on('error', (err) => log.warn({ err }, 'escalation queue error'));
    this.#log = log;
  }

  /** Schedules step `step` of an alert to fire at `dueAt` (at once if that has passed). Idempotent. */
  async schedule(data: EscalateJobData, dueAt: number): Promise<void> {
    await this.queue.add(ESCALATE_JOB, data, {
      jobId: escalationJobId(data.alertId, data.step),
      delay: Math.max(0, dueAt - Date.now()),
    });
  }

  /** Removes a pending step (after an acknowledgement). Best effort: a job already running is left to its check. */
  async unschedule(alertId: string, step: number): Promise<void> {
    try {
      await this.queue.remove(escalationJobId(alertId, step));
    } catch (err) {
      this.#log.debug({ err, alertId, step }, 'escalation job not removed');
    }
  }

  /**
   * Makes sure the job of a step that is due exists: re-adds it if it was lost (the node died between
   * the append and the add) and retries it if it failed for good. Returns true when it had to act.
   */
  async ensure(data: EscalateJobData, dueAt: number): Promise<boolean> {
    const job = await this.queue.getJob(escalationJobId(data.alertId, data.step));
    if (!job) {
      await this.schedule(data, dueAt);
      return true;
    }
    if ((await job.getState()) === 'failed') {
      await job.retry();
      return true;
    }
    return false;
  }

  /** Jobs waiting, delayed and running, for metrics and readiness. */
  async depth(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
