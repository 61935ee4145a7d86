/** The drill runner's flags: parsed with node:util parseArgs, validated, with hard limits. */
import { parseArgs } from 'node:util';
import { durationFlag, enumFlag, listFlag, numberFlag, UsageError } from '../lib/cli.js';
import { parseDelay, type DelayDistribution } from './random.js';

/**
 * Hard limits. A drill can be pointed at a live deployment, so no flag may ask for more than these; a
 * value above a limit is refused, never silently capped.
 */
export const LIMITS = {
  /** Alerts per second of the steady or ramp pattern. */
  alertRate: 20,
  /** Peak alerts per second inside a burst (burst size / burst window). */
  burstPeakRate: 50,
  /** Alerts in one burst. */
  burstSize: 500,
  /** Hotline messages per second, all links together. */
  chatterRate: 100,
  /** Alerts in one drill. */
  alerts: 5_000,
  /** Hotline messages in one drill. */
  messages: 100_000,
  /** Longest drill (sending time). */
  durationMs: 2 * 3_600_000,
  /** Longest wait for responders after the last send. */
  settleMs: 30 * 60_000,
} as const;

export type Pattern = 'steady' | 'burst' | 'ramp';

export interface DrillOptions {
  url: string;
  token: string | undefined;
  user: string | undefined;
  password: string | undefined;
  pattern: Pattern;
  /** Alerts per second: the steady rate, the background rate between bursts, the final rate of a ramp. */
  rate: number;
  rampFrom: number;
  burstSize: number;
  burstWindowMs: number;
  burstEveryMs: number;
  burstStartMs: number;
  burstSector: string | undefined;
  /** Hotline messages per second beside the alerts. */
  chatter: number;
  durationMs: number;
  /** Stop after this many alerts (whichever comes first with the duration). */
  count: number | undefined;
  links: string[] | undefined;
  ackProbability: number;
  ackDelay: DelayDistribution;
  escalationAckProbability: number;
  escalationAckDelay: DelayDistribution;
  settleMs: number;
  keepOpen: boolean;
  escalationGraceMs: number;
  seed: number;
  outDir: string;
  json: boolean;
  quiet: boolean;
  progressEveryMs: number;
  ackTimeoutMs: number;
}

export const USAGE = `usage: npm run drill -- [options]

Drives a running hotline service through the client SDK with exercise (drill) traffic only, then
checks what every simulated console saw against a final sync of the link logs.

Who runs it (a drill officer; refused otherwise):
  --url <url>                    service address (default $HOTLINE_URL or http://127.0.0.1:8080)
  --token <token>                a drill officer's token (default $HOTLINE_TOKEN), or
  --user <id> --password <pw>    log in as a drill officer (password also from $HOTLINE_PASSWORD)

What it sends (everything marked drill):
  --pattern steady|burst|ramp    (default steady)
  --rate <alerts/s>              steady rate; background rate between bursts; final rate of a ramp
                                 (default 0.5, limit ${LIMITS.alertRate})
  --ramp-from <alerts/s>         first rate of a ramp (default 0)
  --burst-size <n>               alerts per burst, all on one sector (default 50, limit ${LIMITS.burstSize})
  --burst-window <duration>      a burst's spread (default 2s; size/window limit ${LIMITS.burstPeakRate}/s)
  --burst-every <duration>       time between bursts (default 60s)
  --burst-start <duration>       first burst (default 10s)
  --burst-sector <id>            sector every burst hits (default: each burst the next sector)
  --chatter <messages/s>         hotline messages beside the alerts, all links (default 2, limit ${LIMITS.chatterRate})
  --duration <duration>          sending time (default 60s, limit 2h)
  --count <n>                    stop after n alerts (limit ${LIMITS.alerts})
  --links <id,id,...>            only these links (default every link)
  --seed <n>                     replay the same plan and responder choices (default random)

Simulated responders:
  --ack-probability <0..1>       the counterpart operator acknowledges (default 0.8; others never do)
  --ack-delay <dist>             when (default lognormal:8s:0.9)
  --escalation-ack-probability <0..1>
                                 each notified supervisor or commander who may acknowledge does so
                                 (default 0.5)
  --escalation-ack-delay <dist>  when, after the escalation reached them (default uniform:5s..40s)
     <dist>: fixed:5s | uniform:2s..20s | exp:10s (mean) | lognormal:8s:0.9 (median, sigma)
  --settle <duration>            after the last send, wait at most this long for pending responses
                                 (default 60s)
  --keep-open                    leave alerts as they are at the end (default: cancel the open ones,
                                 resolve the acknowledged ones, so nothing keeps escalating)
  --escalation-grace <duration>  a due escalation step not fired this long before its alert closed
                                 counts as lost (default 10s)

Output:
  --out <dir>                    report folder (default drill-reports)
  --json                         print the JSON report on stdout instead of the text
  --quiet                        no progress display
  --progress-every <duration>    progress line period when stderr is not a terminal (default 10s)
  --ack-timeout <duration>       SDK request timeout (default 5s)

Exit status: 0 integrity check passed, 1 integrity check failed or the drill could not finish,
2 bad flags, 3 refused (no drill-capable token, service unreachable).
`;

/** Parses argv (without node and script). Throws UsageError; returns null for --help. */
export function parseDrillOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DrillOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        url: { type: 'string' },
        token: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        pattern: { type: 'string' },
        rate: { type: 'string' },
        'ramp-from': { type: 'string' },
        'burst-size': { type: 'string' },
        'burst-window': { type: 'string' },
        'burst-every': { type: 'string' },
        'burst-start': { type: 'string' },
        'burst-sector': { type: 'string' },
        chatter: { type: 'string' },
        duration: { type: 'string' },
        count: { type: 'string' },
        links: { type: 'string' },
        'ack-probability': { type: 'string' },
        'ack-delay': { type: 'string' },
        'escalation-ack-probability': { type: 'string' },
        'escalation-ack-delay': { type: 'string' },
        settle: { type: 'string' },
        'keep-open': { type: 'boolean' },
        'escalation-grace': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        'progress-every': { type: 'string' },
        'ack-timeout': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  const s = (k: string) => values[k] as string | undefined;

  const url = s('url') ?? env.HOTLINE_URL ?? 'http://127.0.0.1:8080';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url: "${url}" is not an http(s) address`);
  }
  const token = s('token') ?? env.HOTLINE_TOKEN;
  const user = s('user');
  const password = s('password') ?? env.HOTLINE_PASSWORD;
  if (s('token') !== undefined && user !== undefined) throw new UsageError('give either --token or --user/--password, not both');
  if (user !== undefined && password === undefined) throw new UsageError('--user needs --password (or $HOTLINE_PASSWORD)');
  if (token === undefined && user === undefined) {
    throw new UsageError('a drill needs a drill officer: --token <token>, or --user <id> --password <password>');
  }

  const pattern = enumFlag('pattern', s('pattern'), ['steady', 'burst', 'ramp'] as const) ?? 'steady';
  const rate = numberFlag('rate', s('rate'), { min: 0, max: LIMITS.alertRate }) ?? 0.5;
  const rampFrom = numberFlag('ramp-from', s('ramp-from'), { min: 0, max: LIMITS.alertRate }) ?? 0;
  const burstSize = numberFlag('burst-size', s('burst-size'), { min: 1, max: LIMITS.burstSize, integer: true }) ?? 50;
  const burstWindowMs = durationFlag('burst-window', s('burst-window'), { min: 0, max: 10 * 60_000 }) ?? 2000;
  const burstEveryMs = durationFlag('burst-every', s('burst-every'), { min: 1000, max: LIMITS.durationMs }) ?? 60_000;
  const burstStartMs = durationFlag('burst-start', s('burst-start'), { min: 0, max: LIMITS.durationMs }) ?? 10_000;
  const chatter = numberFlag('chatter', s('chatter'), { min: 0, max: LIMITS.chatterRate }) ?? 2;
  const durationMs = durationFlag('duration', s('duration'), { min: 1000, max: LIMITS.durationMs }) ?? 60_000;
  const count = numberFlag('count', s('count'), { min: 1, max: LIMITS.alerts, integer: true });
  const settleMs = durationFlag('settle', s('settle'), { min: 0, max: LIMITS.settleMs }) ?? 60_000;
  const escalationGraceMs = durationFlag('escalation-grace', s('escalation-grace'), { min: 0, max: 10 * 60_000 }) ?? 10_000;
  const progressEveryMs = durationFlag('progress-every', s('progress-every'), { min: 200, max: 10 * 60_000 }) ?? 10_000;
  const ackTimeoutMs = durationFlag('ack-timeout', s('ack-timeout'), { min: 100, max: 120_000 }) ?? 5000;
  const seed = numberFlag('seed', s('seed'), { min: 0, max: 2 ** 32 - 1, integer: true }) ?? Math.floor(Math.random() * 2 ** 32);

  if (pattern === 'burst') {
    const peak = burstWindowMs === 0 ? Infinity : burstSize / (burstWindowMs / 1000);
    if (peak > LIMITS.burstPeakRate) {
      throw new UsageError(
        `a burst of ${burstSize} alerts in ${burstWindowMs} ms is ${peak === Infinity ? 'instantaneous' : `${peak.toFixed(1)} alerts/s`}, above the limit of ${LIMITS.burstPeakRate}/s: lengthen --burst-window or shrink --burst-size`,
      );
    }
  } else {
    for (const flag of ['burst-size', 'burst-window', 'burst-every', 'burst-start', 'burst-sector']) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only applies to --pattern burst`);
    }
  }
  if (pattern !== 'ramp' && values['ramp-from'] !== undefined) throw new UsageError('--ramp-from only applies to --pattern ramp');

  const probability = (name: string, fallback: number) => numberFlag(name, s(name), { min: 0, max: 1 }) ?? fallback;
  return {
    url: url.replace(/\/+$/, ''),
    token,
    user,
    password,
    pattern,
    rate,
    rampFrom,
    burstSize,
    burstWindowMs,
    burstEveryMs,
    burstStartMs,
    burstSector: s('burst-sector'),
    chatter,
    durationMs,
    count,
    links: listFlag('links', s('links')),
    ackProbability: probability('ack-probability', 0.8),
    ackDelay: parseDelay('ack-delay', s('ack-delay') ?? 'lognormal:8s:0.9'),
    escalationAckProbability: probability('escalation-ack-probability', 0.5),
    escalationAckDelay: parseDelay('escalation-ack-delay', s('escalation-ack-delay') ?? 'uniform:5s..40s'),
    settleMs,
    keepOpen: values['keep-open'] === true,
    escalationGraceMs,
    seed,
    outDir: s('out') ?? 'drill-reports',
    json: values.json === true,
    quiet: values.quiet === true,
    progressEveryMs,
    ackTimeoutMs,
  };
}
