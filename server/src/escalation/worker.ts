import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, isAppError } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { EscalationService } from '../service/escalation-service.js';
import { ESCALATION_QUEUE, EscalateJobData } from './jobs.js';

/**
 * Runs escalation jobs. A job that cannot ever succeed (bad payload, alert gone) fails at once;
 * anything else (Redis hiccup, contention) is retried with backoff by BullMQ.
 */
export function startEscalationWorker(options: {
  connection: Redis;
  prefix: string;
  concurrency: number;
  service: EscalationService;
  log: Logger;
}): Worker<EscalateJobData> {
  const { service, log } = options;
  const worker = new Worker<EscalateJobData>(
    ESCALATION_QUEUE,
    async (job) => {
      const parsed = EscalateJobData.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`bad escalation job payload: ${parsed.error.message}`);
      try {
        return await service.fire(parsed.data, job.timestamp);
      } catch (err) {
        if (isAppError(err) && (err.code === ErrorCode.NOT_FOUND || err.code === ErrorCode.VALIDATION_FAILED)) {
          throw new UnrecoverableError(err.message);
        }
        throw err;
      }
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency, autorun: true },
  );
  worker.on('error', (err) => log.warn({ err }, 'escalation worker error'));
  worker.on('failed', (job, err) => {
    log.error({ err, jobId: job?.id, alertId: job?.data.alertId, attempts: job?.attemptsMade }, 'escalation job failed');
  });
  return worker;
}
