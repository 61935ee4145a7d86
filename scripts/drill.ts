/**
 * The drill runner: exercise traffic against a running service, through the client SDK only.
 *   npm run drill -- --user admin --password hotline-demo --pattern burst --duration 5m
 * Progress on stderr; the report on stdout (text, or JSON with --json) and as JSON and HTML files.
 * Exit status: 0 integrity passed, 1 integrity failed or the drill could not finish, 2 bad flags, 3 refused.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, formatDuration } from './lib/cli.js';
import { Progress } from './lib/progress.js';
import { USAGE, parseDrillOptions, type DrillOptions } from './drill/options.js';
import { buildReport, renderHtml, renderText } from './drill/report.js';
import { DrillRunner, RefusedError } from './drill/runner.js';

function exit(code: number, message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.exit(code);
}

let options: DrillOptions | null;
try {
  options = parseDrillOptions(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) exit(2, `drill: ${err.message}\n\n${USAGE}`);
  throw err;
}
if (options === null) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const opts = options;

let runner: DrillRunner;
const progress = new Progress({
  quiet: opts.quiet,
  plainEveryMs: opts.progressEveryMs,
  render: () => {
    const c = runner.tick();
    const elapsed = `${formatDuration(c.elapsedMs)}/${formatDuration(c.plannedMs)}`;
    return (
      `[${c.phase}] ${elapsed}  alerts ${c.alertsSent} (stored ${c.alertsStored})  messages ${c.messagesSent} (stored ${c.messagesStored})  ` +
      `acknowledged ${c.acknowledged}  escalated ${c.escalated}  errors ${c.errors}  ` +
      `rate ${c.alertRate.toFixed(1)} alerts/s ${c.messageRate.toFixed(1)} msgs/s`
    );
  },
});
runner = new DrillRunner(opts, progress);

let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) exit(130, '\ndrill: interrupted twice: leaving now, without cleaning up or checking');
  progress.log('drill: interrupted: no more sends; cleaning up and checking (Ctrl+C again to leave at once)');
  runner.abort();
});

try {
  progress.start();
  const result = await runner.run();
  progress.stop();
  const finishedAt = Date.now();
  const report = buildReport(result.observations, { options: opts, plan: result.plan, users: result.users, aborted: result.aborted, finishedAt });
  mkdirSync(opts.outDir, { recursive: true });
  const base = path.join(opts.outDir, `${new Date(finishedAt).toISOString().replace(/[:.]/g, '-')}-${report.runTag}`);
  const files = { json: `${base}.json`, html: `${base}.html` };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.html, renderHtml(report));
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(renderText(report, files));
  if (opts.json) process.stderr.write(`drill: report written to ${files.json} and ${files.html}\n`);
  process.exit(report.integrity.ok ? 0 : 1);
} catch (err) {
  progress.stop(false);
  if (err instanceof UsageError) exit(2, `drill: ${err.message}`);
  if (err instanceof RefusedError) exit(3, `drill refused: ${err.message}`);
  exit(1, `drill failed: ${(err as Error).stack ?? String(err)}`);
}
