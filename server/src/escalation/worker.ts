import { UnrecoverableError, Worker } from 'bullmq';
import type { RedisClient } from '../store/redis.js';
import { ErrorCode, isAppError } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { EscalationService } from '../service/escalation-service.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import { CLOSE_LINECHECK_JOB, CloseLineCheckJobData, ESCALATE_JOB, ESCALATION_QUEUE, EscalateJobData } from './jobs.js';

/**
 * Runs escalation jobs. A job that cannot ever succeed (bad payload, alert gone) fails at once;
 * anything else (Redis hiccup, contention) is retried with backoff by BullMQ.
 */
export function startEscalationWorker(options: {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  service: EscalationService;
  lineChecks: LineCheckService;
  log: Logger;
}): Worker {
  const { service, lineChecks, log } = options;
  const worker = new Worker(
    ESCALATION_QUEUE,
    async (job) => {
      try {
        if (job.name === ESCALATE_JOB) {
          const parsed = EscalateJobData.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`bad escalation job payload: ${parsed.error.message}`);
          return await service.fire(parsed.data);
        }
        if (job.name === CLOSE_LINECHECK_JOB) {
          const parsed = CloseLineCheckJobData.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`bad line-check job payload: ${parsed.error.message}`);
          return await lineChecks.close(parsed.data);
        }
        throw new UnrecoverableError(`unknown job ${job.name}`);
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
    log.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'escalation job failed');
  });
  return worker;
}
