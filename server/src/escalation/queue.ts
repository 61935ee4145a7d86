import { Queue } from 'bullmq';
import type { RedisClient } from '../store/redis.js';
import type { Logger } from '../log.js';
import {
  CLOSE_LINECHECK_JOB,
  ESCALATE_JOB,
  ESCALATION_QUEUE,
  closeLineCheckJobId,
  escalationJobId,
  type CloseLineCheckJobData,
  type EscalateJobData,
} from './jobs.js';

/**
 * Schedules and unschedules escalation timers as BullMQ delayed jobs. Jobs live in Redis, so no timer
 * is lost with a node; correctness never rests on a removal having happened (the worker re-checks).
 */
export class EscalationScheduler {
  readonly queue: Queue<EscalateJobData | CloseLineCheckJobData>;
  readonly #log: Logger;
  readonly #leadMs: number;

  /**
   * `leadMs`: how long before its due time a step's job is queued to run. BullMQ hands a delayed job to
   * a worker some milliseconds after it is due (Redis's timer ticks, then the worker's round trips on a
   * busy node: p50 10, p99 25-30 ms in the bench); the processor waits out what is left of the lead, so
   * the step is written at its due time, never before (the processor checks). 0 queues at the due time.
   */
  constructor(connection: RedisClient, prefix: string, log: Logger, leadMs = 0) {
    this.#leadMs = Math.max(0, leadMs);
    this.queue = new Queue<EscalateJobData | CloseLineCheckJobData>(ESCALATION_QUEUE, {
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

  /** Schedules step `step` of an alert or message deadline to fire at `dueAt` (at once if past). Idempotent. */
  async schedule(data: EscalateJobData, dueAt: number): Promise<void> {
    await this.queue.add(ESCALATE_JOB, { ...data, dueAt }, {
      jobId: escalationJobId(data.id, data.step),
      delay: Math.max(0, dueAt - this.#leadMs - Date.now()),
    });
  }

  /** Schedules the close of a line check's answer window. Idempotent. */
  async scheduleLineCheckClose(data: CloseLineCheckJobData, at: number): Promise<void> {
    await this.queue.add(CLOSE_LINECHECK_JOB, data, { jobId: closeLineCheckJobId(data.checkId), delay: Math.max(0, at - Date.now()) });
  }

  /** Removes a pending step (after an acknowledgement). Best effort: a job already running is left to its check. */
  async unschedule(id: string, step: number): Promise<void> {
    try {
      await this.queue.remove(escalationJobId(id, step));
    } catch (err) {
      this.#log.debug({ err, id, step }, 'escalation job not removed');
    }
  }

  /**
   * Makes sure the job of a step that is due exists: re-adds it if it was lost (the node died between
   * the append and the add) and retries it if it failed for good. Returns true when it had to act.
   */
  async ensure(data: EscalateJobData, dueAt: number): Promise<boolean> {
    const job = await this.queue.getJob(escalationJobId(data.id, data.step));
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
