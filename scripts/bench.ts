/**
 * The benchmarks: the full service beside a bare baseline, on this machine, in one run.
 *   npm run bench                              relay, escalation timers, resume, memory; updates docs/benchmarks.md
 *   npm run bench:escalation                   escalation timers only
 *   npm run bench -- --only relay --quick      one section, shorter steps
 * Starts its own redis-server and two server nodes (and the bare baselines). Progress on stderr; the
 * table on stdout; JSON in bench-results/. Exit status: 0 done, 1 escalations lost or duplicated
 * (or, with --strict, a target missed), 2 bad flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../test/helpers/server.js';
import { durationFlag, formatDuration, listFlag, numberFlag, UsageError } from './lib/cli.js';
import { Progress } from './lib/progress.js';
import { PROFILES } from './lib/throttle-proxy.js';
import { escalationBench } from './bench/escalation.js';
import { memoryBench } from './bench/memory.js';
import { bareEndpoint, fullEndpoint, measureSignatureCost, relaySweep, signatureFloor, type RelayStep } from './bench/relay.js';
import { environmentLine, evaluateTargets, summaryTable, sweepTable, updateDoc, type BenchEnvironment, type BenchResults } from './bench/report.js';
import { resumeBench } from './bench/resume.js';
import { cpuTimeOf } from './bench/procs.js';
import { startBenchCluster } from './bench/setup.js';
import { stormBench } from './bench/storm.js';
import { linksBench } from './bench/links.js';
import { fieldBench } from './bench/field.js';
import { webClientCrypto } from '../client-sdk/src/signer.js';
import { nodeClientCrypto } from '../client-sdk/src/node-crypto.js';

/** --generator-crypto: node (default) or webcrypto. */
function generatorCrypto(value: string | undefined): 'node' | 'webcrypto' {
  if (value === undefined || value === 'node') return 'node';
  if (value === 'webcrypto') return value;
  throw new UsageError(`--generator-crypto: "${value}" is not node or webcrypto`);
}

/** --link-profiles: known profile names, each once. */
function linkProfiles(list: string[] | undefined): (keyof typeof PROFILES)[] {
  if (!list) return ['vsat', 'gprs'];
  for (const x of list) if (!(x in PROFILES)) throw new UsageError(`--link-profiles: unknown profile "${x}" (profiles: ${Object.keys(PROFILES).join(', ')})`);
  return [...new Set(list)] as (keyof typeof PROFILES)[];
}

const SECTIONS = ['relay', 'escalation', 'resume', 'memory', 'storm', 'links', 'field'] as const;
type Section = (typeof SECTIONS)[number];

export const BENCH_USAGE = `usage: npm run bench -- [options]

  --only <list>              sections to run: ${SECTIONS.join(', ')} (default all)
  --quick                    shorter steps and fewer timers (a smoke run; figures are rougher)
  --pairs <n>                paired posts in the bench topology (default 100)
  --rates <list>             relay rates to sweep, msg/s (default 1000,2000,3000,4000,5000,6000,7000,8000,10000)
  --step <duration>          measured window of each relay step (default 4s; --quick 2s)
  --p99 <ms>                 relay latency limit (default 50)
  --timers <n>               escalation timers (default 10000; --quick 2000)
  --timer-delay <duration>   escalation delay after each raise: longer than raising them all takes,
                             so all are pending at once (default 30s; --quick 10s)
  --raise-rate <n/s>         how fast the alerts are raised (default 1000)
  --skip-hz10                escalation: do not run the bare baseline a second time at Redis's default
                             hz 10 (every Redis the project starts runs at hz 100)
  --resume-entries <n>       entries the resuming console is behind (default 10000)
  --consoles <n>             idle consoles for the memory figure (default 1000)
  --field-posts <n>          field scale: posts in the generated topology (default 1000: 500 links)
  --field-consoles <n>       field scale: operator consoles over two nodes (default 2000; --quick 400)
  --field-entries <n>        field scale: messages on every link before the joint command connects (default 5; --quick 2)
  --link-profiles <list>     poor links: the profiles to run (default vsat,gprs)
  --storm-consoles <n>       consoles on the node killed in the reconnect storm (default 1000; --quick 300)
  --with-append-baseline     relay: also sweep a second baseline, the bare relay appending each
                             message to a Redis stream (where persistence alone brings it)
  --aof                      run Redis with AOF (everysec), as npm start does
  --unsigned                 relay: the full path without action signatures (consoles do not sign,
                             nodes run with HOTLINE_SIGNATURES=optional), to show what signing costs
  --generator-crypto <c>     relay: what the load generator's consoles sign and hash with: node
                             (node:crypto, default) or webcrypto (WebCrypto, as a browser console
                             does; in Node it costs three times the CPU, on the cores the nodes share)
  --out <dir>                results folder (default bench-results)
  --skip-doc                 do not update docs/benchmarks.md (only a signed run of every section updates it)
  --strict                   exit 1 when a target is missed
`;

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function cpuPressure(): number | null {
  try {
    const m = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export async function main(argv: string[], defaults: { only?: Section[] } = {}): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        only: { type: 'string' },
        quick: { type: 'boolean' },
        pairs: { type: 'string' },
        rates: { type: 'string' },
        step: { type: 'string' },
        p99: { type: 'string' },
        timers: { type: 'string' },
        'timer-delay': { type: 'string' },
        'raise-rate': { type: 'string' },
        'skip-hz10': { type: 'boolean' },
        'resume-entries': { type: 'string' },
        consoles: { type: 'string' },
        'storm-consoles': { type: 'string' },
        'field-posts': { type: 'string' },
        'field-consoles': { type: 'string' },
        'field-entries': { type: 'string' },
        'link-profiles': { type: 'string' },
        aof: { type: 'boolean' },
        unsigned: { type: 'boolean' },
        'generator-crypto': { type: 'string' },
        'with-append-baseline': { type: 'boolean' },
        out: { type: 'string' },
        'skip-doc': { type: 'boolean' },
        strict: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  const s = (k: string) => values[k] as string | undefined;
  const quick = values.quick === true;
  const only = (listFlag('only', s('only')) ?? defaults.only ?? [...SECTIONS]) as Section[];
  for (const x of only) if (!SECTIONS.includes(x)) throw new UsageError(`--only: unknown section "${x}" (sections: ${SECTIONS.join(', ')})`);
  const rates = (listFlag('rates', s('rates')) ?? ['1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '10000']).map((r) => numberFlag('rates', r, { min: 10, max: 100_000, integer: true })!);
  const opts = {
    only,
    quick,
    pairs: numberFlag('pairs', s('pairs'), { min: 2, max: 500, integer: true }) ?? 100,
    rates: rates.sort((a, b) => a - b),
    stepMs: durationFlag('step', s('step'), { min: 500, max: 60_000 }) ?? (quick ? 2000 : 4000),
    p99LimitMs: numberFlag('p99', s('p99'), { min: 1, max: 10_000 }) ?? 50,
    timers: numberFlag('timers', s('timers'), { min: 2, max: 100_000, integer: true }) ?? (quick ? 2000 : 10_000),
    timerDelayMs: durationFlag('timer-delay', s('timer-delay'), { min: 1000, max: 10 * 60_000 }) ?? (quick ? 10_000 : 30_000),
    compareHz: values['skip-hz10'] !== true,
    raiseRate: numberFlag('raise-rate', s('raise-rate'), { min: 10, max: 20_000 }) ?? 1000,
    resumeEntries: numberFlag('resume-entries', s('resume-entries'), { min: 10, max: 1_000_000, integer: true }) ?? 10_000,
    consoles: numberFlag('consoles', s('consoles'), { min: 10, max: 20_000, integer: true }) ?? (quick ? 300 : 1000),
    stormConsoles: numberFlag('storm-consoles', s('storm-consoles'), { min: 10, max: 20_000, integer: true }) ?? (quick ? 300 : 1000),
    fieldPosts: numberFlag('field-posts', s('field-posts'), { min: 4, max: 10_000, integer: true }) ?? 1000,
    fieldConsoles: numberFlag('field-consoles', s('field-consoles'), { min: 2, max: 20_000, integer: true }) ?? (quick ? 400 : 2000),
    fieldEntries: numberFlag('field-entries', s('field-entries'), { min: 0, max: 1000, integer: true }) ?? (quick ? 2 : 5),
    linkProfiles: linkProfiles(listFlag('link-profiles', s('link-profiles'))),
    aof: values.aof === true,
    unsigned: values.unsigned === true,
    generatorCrypto: generatorCrypto(s('generator-crypto')),
    appendBaseline: values['with-append-baseline'] === true,
    out: s('out') ?? 'bench-results',
    skipDoc: values['skip-doc'] === true,
    strict: values.strict === true,
  };

  const started = Date.now();
  let status = `starting Redis and the server nodes`;
  const progress = new Progress({ render: () => `[bench ${formatDuration(Date.now() - started)}] ${status}`, plainEveryMs: 15_000 }).start();
  const log = (line: string) => progress.log(`[bench ${formatDuration(Date.now() - started)}] ${line}`);
  const env: BenchEnvironment = {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    date: new Date(started).toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    load: { start: os.loadavg()[0]!, end: 0 },
    cpuPressure: { start: cpuPressure(), end: null },
    redis: (() => {
      try {
        return `Redis ${/v=([\d.]+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '(unknown version)'}`;
      } catch {
        return 'Redis (unknown version)';
      }
    })(),
    aof: opts.aof,
    ...(opts.unsigned ? { unsigned: true } : {}),
    generatorCrypto: opts.generatorCrypto,
  };
  log(`sections: ${only.join(', ')}; load average ${env.load.start.toFixed(1)}, CPU pressure ${env.cpuPressure.start ?? 'n/a'}%`);

  const cluster = await startBenchCluster({ pairs: opts.pairs, escalationDelayMs: opts.timerDelayMs, bare: only.includes('relay'), append: only.includes('relay') && opts.appendBaseline, aof: opts.aof, unsigned: opts.unsigned });
  // Interrupted: stop what it started (Redis, nodes, baselines) before leaving.
  const onSignal = (signal: NodeJS.Signals) => {
    progress.stop(false);
    process.stderr.write(`bench: ${signal}: stopping Redis and the nodes\n`);
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: Omit<BenchResults, 'targets' | 'durationMs'> & { durationMs?: number } = {
    tool: 'hotline-bench',
    version: 1,
    env,
    options: { ...opts },
  };
  try {
    if (only.includes('relay')) {
      status = 'relay: connecting consoles';
      const urls = (p: { url: string }[]) => [p[0]!.url, p[1]!.url] as [string, string];
      const bare = await bareEndpoint(urls(cluster.bare!), opts.pairs);
      const append = cluster.append ? await bareEndpoint(urls(cluster.append), opts.pairs, 'append') : undefined;
      const full = await fullEndpoint(urls(cluster.full), cluster.topo, cluster.signer, { signing: !opts.unsigned, crypto: opts.generatorCrypto === 'node' ? nodeClientCrypto : webClientCrypto });
      // CPU the server side spends with every console connected and nothing sent (heartbeats, presence
      // sweeps, timers): part of each system's CPU per message at low rates.
      status = 'relay: idle CPU';
      const pidsOf = { full: [cluster.full[0].pid!, cluster.full[1].pid!], bare: [cluster.bare![0].pid, cluster.bare![1].pid] };
      await new Promise((r) => setTimeout(r, 5000)); // let the connections' own work (key registration, first sync) settle
      const idle0 = { full: pidsOf.full.map(cpuTimeOf), bare: pidsOf.bare.map(cpuTimeOf), at: performance.now() };
      await new Promise((r) => setTimeout(r, 5000));
      const idleMs = performance.now() - idle0.at;
      const idleOf = (pids: number[], before: number[]) => Math.round((pids.reduce((sum, pid, i) => sum + cpuTimeOf(pid) - before[i]!, 0) / idleMs) * 1000);
      const idleCpu = { full: idleOf(pidsOf.full, idle0.full), bare: idleOf(pidsOf.bare, idle0.bare), sampleMs: Math.round(idleMs) };
      log(`relay: idle, consoles connected: nodes spend ${idleCpu.full} ms of CPU per second (full) and ${idleCpu.bare} ms (bare)`);
      log(`relay: ${opts.pairs} pairs, side a on node 1 and side b on node 2; sweeping ${opts.rates.join(', ')} msg/s, ${append ? 'bare, bare+append' : 'bare'} then full at each`);
      const describe = (st: RelayStep) =>
        `relay: ${(st.system === 'append' ? 'bare+append' : st.system).padEnd(11)} ${String(st.rate).padStart(6)} msg/s${st.retry ? ' (retry)' : ''}: ` +
        (st.lost > 0 ? `${st.lost} of ${st.measured} not delivered in time` : `p50 ${st.p50?.toFixed(1)} ms, p99 ${st.p99?.toFixed(1)} ms, max ${st.max?.toFixed(0)} ms`) +
        (st.cpuUsPerMessage
          ? `; CPU/msg ${st.cpuUsPerMessage.server} µs server${st.cpuUsPerMessage.redis !== undefined ? ` (Redis ${st.cpuUsPerMessage.redis})` : ''}, ${st.cpuUsPerMessage.generator} µs load generator`
          : '') +
        (st.pass ? '' : '  ✗');
      results.relay = await relaySweep(
        { full, bare, ...(append ? { append } : {}) },
        opts.pairs,
        {
          rates: opts.rates,
          warmupMs: 1000,
          warmupStepMs: opts.quick ? 2000 : 5000,
          onWarm: (system) => log(`relay: ${system} warmed up at ${opts.rates[0]} msg/s (not measured)`),
          measureMs: opts.stepMs,
          drainMs: 2000,
          p99LimitMs: opts.p99LimitMs,
          redisPid: cluster.redisPid,
          serverPids: {
            full: [cluster.full[0].pid!, cluster.full[1].pid!, cluster.redisPid],
            bare: [cluster.bare![0].pid, cluster.bare![1].pid, cluster.redisPid],
            ...(cluster.append ? { append: [cluster.append[0].pid, cluster.append[1].pid, cluster.redisPid] } : {}),
          },
          onStep: (st) => {
            log(describe(st));
            status = `relay: after ${st.system} at ${st.rate} msg/s`;
          },
        },
      );
      await Promise.all([bare.close(), full.close(), append?.close()]);
      results.relay.idleCpu = idleCpu;
      log(`relay: sustained ${results.relay.sustained.full} msg/s (full) vs ${results.relay.sustained.bare} msg/s (bare): ratio ${results.relay.ratio?.toFixed(2)}`);
      if (!opts.unsigned) {
        status = 'relay: timing signatures for the floor';
        const floor = signatureFloor(results.relay, await measureSignatureCost(opts.generatorCrypto === 'node' ? nodeClientCrypto : webClientCrypto), os.cpus().length);
        results.relay.signatureFloor = floor;
        log(
          `relay: signatures alone cost ${floor.signUs} µs (sign) + ${floor.verifyUs} µs (verify) per message; bare relay plus them could reach at most ` +
            `${floor.ceilingRate ?? '–'} msg/s (ratio ${floor.ceilingRatio ?? '–'}); server CPU ratio at least ${floor.cpuRatioFloor ?? '–'}`,
        );
      }
    }
    if (only.includes('escalation')) {
      status = 'escalation timers';
      results.escalation = await escalationBench(cluster, { count: opts.timers, delayMs: opts.timerDelayMs, rate: opts.raiseRate, compareHz: opts.compareHz, log });
      const e = results.escalation;
      log(
        `escalation: lateness p99 ${e.full.latenessMs.p99} ms (full) vs ${e.bare.latenessMs.p99} ms (bare)${e.bareHz10 ? `, ${e.bareHz10.latenessMs.p99} ms (bare at hz 10)` : ''}; lost ${e.full.lost}, duplicated ${e.full.duplicates}, after ack ${e.full.afterAck}` +
          (e.lateAcks ? `; ${e.lateAcks} acknowledgements landed after their deadline (the service could not keep up with the raise rate)` : ''),
      );
    }
    if (only.includes('resume')) {
      status = 'resume';
      results.resume = await resumeBench(cluster, { entries: opts.resumeEntries, runs: 3, log });
    }
    if (only.includes('memory')) {
      status = 'memory';
      results.memory = await memoryBench(cluster, { consoles: opts.consoles, settleMs: quick ? 1500 : 3000, log });
      log(`memory: ${(results.memory.full.perConsole / 1024).toFixed(1)} KiB (full) vs ${(results.memory.bare.perConsole / 1024).toFixed(1)} KiB (bare) per console`);
    }
    if (only.includes('field')) {
      status = 'field scale';
      results.field = await fieldBench(cluster, { posts: opts.fieldPosts, consoles: opts.fieldConsoles, entries: opts.fieldEntries, log });
    }
    if (only.includes('links')) {
      status = 'consoles on poor links';
      results.links = await linksBench(cluster, { profiles: opts.linkProfiles, log });
    }
    if (only.includes('storm')) {
      status = 'reconnect storm';
      results.storm = await stormBench(cluster, { consoles: opts.stormConsoles, timeoutMs: 120_000, log });
    }
  } finally {
    status = 'stopping';
    await cluster.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop(false);
  }
  env.load.end = os.loadavg()[0]!;
  env.cpuPressure.end = cpuPressure();
  const durationMs = Date.now() - started;
  const full: BenchResults = { ...(results as Omit<BenchResults, 'targets' | 'durationMs'>), durationMs, targets: [] };
  full.targets = evaluateTargets(full);

  const outDir = path.resolve(ROOT, opts.out);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${env.date.replace(/[:.]/g, '-')}-${env.commit}${only.length < SECTIONS.length ? `-${only.join('-')}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(full, null, 2)}\n`);
  const rel = path.relative(ROOT, file);

  const out = [`Benchmarks: ${environmentLine(full)}`, '', summaryTable(full)];
  if (full.relay) out.push('', 'Relay sweep:', '', sweepTable(full.relay));
  out.push('', `Results: ${rel}`);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  if (only.length === SECTIONS.length && !opts.skipDoc && !opts.unsigned) {
    updateDoc(path.join(ROOT, 'docs/benchmarks.md'), full, command, rel);
    out.push('Recorded in docs/benchmarks.md');
  }
  process.stdout.write(`${out.join('\n')}\n`);

  const e = full.escalation;
  if (e && e.full.lost + e.full.duplicates + e.full.afterAck > 0) {
    process.stderr.write('bench: escalations were lost or duplicated: this is a correctness failure\n');
    return 1;
  }
  const st = full.storm?.full;
  if (st && st.lost + st.duplicates > 0) {
    process.stderr.write('bench: the reconnect storm lost or duplicated messages: this is a correctness failure\n');
    return 1;
  }
  if (opts.strict && full.targets.some((t) => t.met === false)) return 1;
  return 0;
}

const entry = process.argv[1] ?? '';
if (path.basename(entry) === 'bench.ts') {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`bench: ${err.message}\n\n${BENCH_USAGE}`);
        process.exit(2);
      }
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
