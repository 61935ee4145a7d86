/**
 * The bare baseline of the escalation benchmark: a BullMQ worker on delayed jobs and nothing else. For
 * each job it records "<jobId> <firedAt> <dueAt>" in a Redis list, so the bench can tell lateness,
 * lost jobs and jobs run twice.
 *   REDIS_URL=... BENCH_QUEUE=... BENCH_PREFIX=... BENCH_FIRED_KEY=... node --import tsx scripts/bench/bare-worker.ts
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connection = new Redis(url, { maxRetriesPerRequest: null });
const out = new Redis(url);
for (const c of [connection, out]) c.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
const firedKey = process.env.BENCH_FIRED_KEY ?? 'bench:fired';
const worker = new Worker(
  process.env.BENCH_QUEUE ?? 'bench-bare',
  async (job) => {
    const firedAt = Date.now();
    await out.rpush(firedKey, `${job.id} ${firedAt} ${job.timestamp + (job.opts.delay ?? 0)}`);
  },
  { connection, prefix: process.env.BENCH_PREFIX ?? '{bench:bull}', concurrency: Number(process.env.BENCH_CONCURRENCY ?? 50) },
);
worker.on('error', (err) => process.stderr.write(`worker: ${err.message}\n`));
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'listening' })}\n`);
process.on('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});
