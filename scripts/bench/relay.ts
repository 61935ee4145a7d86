/**
 * Hotline relay: messages between paired posts whose consoles sit on different nodes, swept over
 * aggregate rates, latency from the intended send time to the peer's `entry` (so a load generator
 * that falls behind counts against the system, not for it). The full path goes through the client SDK
 * and the real service; the bare baseline is Socket.IO with the Redis adapter and nothing else.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { SessionUser } from '@hotline/shared';
import { HotlineClient } from '../../client-sdk/src/index.js';
import { ActionSigner, webClientCrypto, type ClientCrypto } from '../../client-sdk/src/signer.js';
import { importP256, verifyP256 } from '../../server/src/service/signature-service.js';
import { signingInput } from '@hotline/shared';
import type { TokenSigner } from '../../server/src/auth/tokens.js';
import { summarize } from '../lib/stats.js';
import { cpuTimeOf } from './procs.js';
import type { BenchTopology } from './topology.js';

/** full: the service; bare: Socket.IO + Redis adapter; append: bare that also appends each message to a Redis stream. */
export type RelaySystem = 'full' | 'bare' | 'append';

export interface RelayEndpoint {
  readonly name: RelaySystem;
  /** Sends message `id` on pair `pair`, from side a (dir 0) or b (dir 1). */
  send(pair: number, dir: 0 | 1, id: string): void;
  /** Called with each message id when the peer's console receives it. */
  onDeliver: (id: string, at: number) => void;
  /** Sends not yet acked by the server. */
  readonly outstanding: number;
  readonly errors: number;
  close(): Promise<void>;
}

export const RELAY_TEXT = 'Routine check from the north post: all quiet along the ridge, visibility good, no movement seen.';

/**
 * 2 × pairs SDK consoles: side a on node 0, side b on node 1. `signing: false`: the consoles do not sign
 * (nodes with signatures optional). `crypto`: what they sign and hash with (WebCrypto by default).
 */
export async function fullEndpoint(
  urls: [string, string],
  topo: BenchTopology,
  signer: TokenSigner,
  o: { signing?: boolean; crypto?: ClientCrypto } = {},
): Promise<RelayEndpoint> {
  const clients: { a: HotlineClient; b: HotlineClient }[] = [];
  let outstanding = 0;
  let errors = 0;
  const ep: RelayEndpoint = {
    name: 'full',
    onDeliver: () => undefined,
    get outstanding() {
      return outstanding;
    },
    get errors() {
      return errors;
    },
    send(pair, dir, id) {
      const c = clients[pair]!;
      outstanding++;
      (dir === 0 ? c.a : c.b).send(topo.pair(pair).linkId, RELAY_TEXT, { clientMsgId: id }).then(
        () => outstanding--,
        () => {
          outstanding--;
          errors++;
        },
      );
    },
    async close() {
      for (const c of clients) {
        c.a.close();
        c.b.close();
      }
    },
  };
  const make = (user: string, post: string, url: string, linkId: string) => {
    const session: SessionUser = { id: user, name: user, role: 'operator', side: post[0]!, post, supervisor: false, sectors: [], joint: false, drillOfficer: false };
    const client = new HotlineClient({
      url,
      token: signer.issue({ id: user, role: 'operator' }).token,
      user: session,
      links: [linkId],
      ackTimeoutMs: 10_000,
      deliveredReceipts: false,
      signing: o.signing ?? true,
      ...(o.crypto ? { crypto: o.crypto } : {}),
      healthCheckMs: 0,
      socket: { transports: ['websocket'] },
    });
    client.on('entry', (e) => {
      if (e.type === 'message' && e.actor.postId !== post) ep.onDeliver(e.payload.clientMsgId, performance.now());
    });
    return client;
  };
  for (let i = 0; i < topo.pairs; i++) {
    const p = topo.pair(i);
    clients.push({ a: make(p.a.user, p.a.post, urls[0], p.linkId), b: make(p.b.user, p.b.post, urls[1], p.linkId) });
  }
  await connectAll(clients.flatMap((c) => [c.a, c.b]).map((c) => () => c.connect()));
  return ep;
}

/** The same consoles against the bare relay: a plain socket.io-client per post, one room per pair. */
export async function bareEndpoint(urls: [string, string], pairs: number, name: 'bare' | 'append' = 'bare'): Promise<RelayEndpoint> {
  const sockets: { a: Socket; b: Socket }[] = [];
  let outstanding = 0;
  let errors = 0;
  const ep: RelayEndpoint = {
    name,
    onDeliver: () => undefined,
    get outstanding() {
      return outstanding;
    },
    get errors() {
      return errors;
    },
    send(pair, dir, id) {
      outstanding++;
      (dir === 0 ? sockets[pair]!.a : sockets[pair]!.b).timeout(10_000).emit('send', { room: `p-${pair}`, id, text: RELAY_TEXT, from: dir }, (err: Error | null) => {
        outstanding--;
        if (err) errors++;
      });
    },
    async close() {
      for (const s of sockets) {
        s.a.disconnect();
        s.b.disconnect();
      }
    },
  };
  const make = (url: string, pair: number, side: 0 | 1) => {
    const s = io(url, { auth: { room: `p-${pair}` }, transports: ['websocket'], forceNew: true });
    s.on('entry', (msg: { id: string; from: number }) => {
      if (msg.from !== side) ep.onDeliver(msg.id, performance.now());
    });
    return s;
  };
  for (let i = 0; i < pairs; i++) sockets.push({ a: make(urls[0], i, 0), b: make(urls[1], i, 1) });
  await connectAll(
    sockets.flatMap((s) => [s.a, s.b]).map((s) => () => (s.connected ? Promise.resolve() : new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    }))),
  );
  return ep;
}

async function connectAll(tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

export interface RelayStep {
  system: RelaySystem;
  /** Target aggregate rate, messages/s. */
  rate: number;
  /** Messages in the measured window, delivered within it or the drain after. */
  measured: number;
  delivered: number;
  lost: number;
  errors: number;
  achievedRate: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  pass: boolean;
  /** A repeat after a failure (noise guard). */
  retry: boolean;
  /**
   * CPU time per message sent in the step, µs: the server side (the two nodes and Redis), the part of it
   * that is Redis's, and the load generator.
   */
  cpuUsPerMessage: { server: number; redis?: number; generator: number } | null;
}

let stepCounter = 0;

/** One step: `warmupMs` unmeasured, then `measureMs` measured, at `rate` messages/s across all pairs. */
export async function runStep(
  ep: RelayEndpoint,
  pairs: number,
  rate: number,
  o: { warmupMs: number; measureMs: number; drainMs: number; p99LimitMs: number; serverPids?: number[]; redisPid?: number },
): Promise<Omit<RelayStep, 'retry'>> {
  const serverCpu = () => (o.serverPids ?? []).reduce((sum, pid) => sum + cpuTimeOf(pid), 0);
  const redisCpu = () => (o.redisPid !== undefined ? cpuTimeOf(o.redisPid) : 0);
  const cpuBefore = { server: serverCpu(), redis: redisCpu(), generator: process.cpuUsage() };
  const tag = `bench-${ep.name}-${(stepCounter++).toString(36)}`;
  const intended = new Map<string, number>();
  const measured = new Set<string>();
  const latencies: number[] = [];
  const errorsBefore = ep.errors;
  ep.onDeliver = (id, at) => {
    const t = intended.get(id);
    if (t === undefined) return;
    intended.delete(id);
    if (measured.has(id)) latencies.push(at - t);
  };
  const t0 = performance.now();
  const total = o.warmupMs + o.measureMs;
  const interval = 1000 / rate;
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - t0;
      const due = Math.min(Math.floor(elapsed / interval) + 1, Math.floor(total / interval));
      while (k < due) {
        const at = t0 + k * interval;
        const id = `${tag}-${k}`;
        intended.set(id, at);
        if (at - t0 >= o.warmupMs) measured.add(id);
        ep.send(k % pairs, (Math.floor(k / pairs) % 2) as 0 | 1, id);
        k++;
      }
      if (k >= Math.floor(total / interval)) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainUntil = performance.now() + o.drainMs;
  while (latencies.length < measured.size && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const s = summarize(latencies);
  const lost = measured.size - latencies.length;
  const generatorCpu = process.cpuUsage(cpuBefore.generator);
  const cpuUsPerMessage = o.serverPids?.length
    ? {
        server: Math.round(((serverCpu() - cpuBefore.server) * 1000) / k),
        ...(o.redisPid !== undefined ? { redis: Math.round(((redisCpu() - cpuBefore.redis) * 1000) / k) } : {}),
        generator: Math.round((generatorCpu.user + generatorCpu.system) / k),
      }
    : null;
  // Let the previous load drain from the consoles' outboxes before the next step.
  const quietUntil = performance.now() + 20_000;
  while (ep.outstanding > 0 && performance.now() < quietUntil) await new Promise((r) => setTimeout(r, 20));
  ep.onDeliver = () => undefined;
  return {
    system: ep.name,
    rate,
    measured: measured.size,
    delivered: latencies.length,
    lost,
    errors: ep.errors - errorsBefore,
    achievedRate: Math.round(latencies.length / (o.measureMs / 1000)),
    p50: s.p50,
    p99: lost > 0 ? null : s.p99,
    max: s.max,
    pass: lost === 0 && ep.errors === errorsBefore && s.p99 !== null && s.p99 <= o.p99LimitMs,
    cpuUsPerMessage,
  };
}

/**
 * What the record's signatures alone cost on this machine, and the best the full path could do if it
 * cost no more than the bare relay plus them: per message one ECDSA P-256 signature on the sending
 * console (through the SDK's signer, with the load generator's crypto) and one verification on the node
 * (node:crypto).
 */
export interface SignatureFloor {
  /** µs per signature on the console side, and per verification on the node, measured in this run. */
  signUs: number;
  verifyUs: number;
  /** CPU cores of the machine the whole relay (nodes, Redis, load generator) shares. */
  cores: number;
  /** The bare relay's CPU per message (nodes + Redis + load generator) at its sustained rate, µs. */
  bareTotalUs: number | null;
  /** cores / (bare total + sign + verify): the highest rate a path that adds only the signatures could reach here. */
  ceilingRate: number | null;
  /** ceilingRate / bare sustained rate: the highest full / bare ratio reachable with signatures on this machine. */
  ceilingRatio: number | null;
  /** (bare server CPU + verify) / bare server CPU at the common rate: the lowest server CPU ratio with signatures. */
  cpuRatioFloor: number | null;
}

/** Times `n` signatures (with `crypto`, as the load generator signs) and verifications of the relay's own message, after a warm-up. */
export async function measureSignatureCost(crypto: ClientCrypto = webClientCrypto, n = 1000): Promise<{ signUs: number; verifyUs: number }> {
  const signer = await ActionSigner.generate(crypto);
  const key = importP256(signer.publicKey);
  const fields = (i: number) => ({ linkId: 'bench-link', clientMsgId: `floor-${i}`, text: RELAY_TEXT, precedence: 'routine', drill: false });
  const sigs: string[] = [];
  for (let i = 0; i < 100; i++) sigs.push((await signer.sign('hotline:send', 'bench-user', fields(i))).value);
  let t = performance.now();
  for (let i = 0; i < n; i++) sigs[i % 100] = (await signer.sign('hotline:send', 'bench-user', fields(i % 100))).value;
  const signUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) {
    if (!verifyP256(key, signingInput('hotline:send', 'bench-user', fields(i % 100)), sigs[i % 100]!)) throw new Error('signature floor: a signature did not verify');
  }
  const verifyUs = ((performance.now() - t) * 1000) / n;
  return { signUs: Math.round(signUs), verifyUs: Math.round(verifyUs) };
}

/** The signature floor of a finished sweep (see SignatureFloor). */
export function signatureFloor(r: RelayResult, cost: { signUs: number; verifyUs: number }, cores: number): SignatureFloor {
  const bareAt = [...r.steps].reverse().find((s) => s.system === 'bare' && s.rate === r.sustained.bare && s.pass)?.cpuUsPerMessage;
  const bareTotalUs = bareAt ? bareAt.server + bareAt.generator : null;
  const ceilingRate = bareTotalUs !== null ? Math.round((cores * 1e6) / (bareTotalUs + cost.signUs + cost.verifyUs)) : null;
  const bareCommon = r.cpuUsPerMessage?.bare?.server;
  return {
    ...cost,
    cores,
    bareTotalUs,
    ceilingRate,
    ceilingRatio: ceilingRate !== null && r.sustained.bare > 0 ? Math.round((ceilingRate / r.sustained.bare) * 100) / 100 : null,
    cpuRatioFloor: bareCommon ? Math.round(((bareCommon + cost.verifyUs) / bareCommon) * 100) / 100 : null,
  };
}

export interface RelayResult {
  /** The two nodes' CPU, ms per second, with every console connected and nothing sent. */
  idleCpu?: { full: number; bare: number; sampleMs: number };
  /** Set when the full path signs (the default): what the signatures alone leave reachable. */
  signatureFloor?: SignatureFloor;
  p99LimitMs: number;
  pairs: number;
  steps: RelayStep[];
  /** Highest rate each system sustained with p99 within the limit (every lower rate tried passed too). */
  sustained: { full: number; bare: number; append?: number };
  /** full / bare */
  ratio: number | null;
  /** CPU µs per message of each system at the highest rate all of them sustained. */
  cpuUsPerMessage: { rate: number; full: RelayStep['cpuUsPerMessage']; bare: RelayStep['cpuUsPerMessage']; append?: RelayStep['cpuUsPerMessage'] } | null;
}

/**
 * Sweeps rates, the baselines then full at each, so noise from the shared machine hits all alike. A
 * failed step is repeated once; a system stops at its first confirmed failure. Then the gap between the
 * last pass and the first failure is halved once.
 */
export async function relaySweep(
  eps: { full: RelayEndpoint; bare: RelayEndpoint; append?: RelayEndpoint },
  pairs: number,
  o: {
    rates: number[];
    warmupMs: number;
    measureMs: number;
    drainMs: number;
    p99LimitMs: number;
    /** Server-side processes of each system (its nodes and Redis), for CPU per message. */
    serverPids?: Partial<Record<RelaySystem, number[]>>;
    /** Redis among them, whose share is reported on its own. */
    redisPid?: number;
    /** An unmeasured run of each system at the lowest rate before the sweep, ms (0: none). */
    warmupStepMs?: number;
    onWarm?: (system: RelaySystem) => void;
    onStep: (s: RelayStep) => void;
  },
): Promise<RelayResult> {
  const systems: RelaySystem[] = eps.append ? ['bare', 'append', 'full'] : ['bare', 'full'];
  // Each system first runs a few seconds at the lowest rate, unmeasured: the first seconds of load pay for
  // compiling the hot paths and growing buffers (in trial runs the first 1,000 msg/s step cost the bare
  // relay 628-678 µs of server CPU per message and a repeat of it 382 µs; the full path 1,194-1,220
  // against 938-962 µs), which is not what either costs per message once it runs.
  if (o.warmupStepMs) {
    for (const name of systems) {
      await runStep(eps[name]!, pairs, o.rates[0]!, { ...o, warmupMs: o.warmupStepMs, measureMs: 0, serverPids: [] });
      o.onWarm?.(name);
    }
  }
  const steps: RelayStep[] = [];
  const best: Record<RelaySystem, number> = { full: 0, bare: 0, append: 0 };
  const failedAt: Record<RelaySystem, number | null> = { full: null, bare: null, append: null };
  const attempt = async (ep: RelayEndpoint, rate: number): Promise<boolean> => {
    const stepOptions = { ...o, serverPids: o.serverPids?.[ep.name] ?? [] };
    let step: RelayStep = { ...(await runStep(ep, pairs, rate, stepOptions)), retry: false };
    steps.push(step);
    o.onStep(step);
    if (!step.pass) {
      step = { ...(await runStep(ep, pairs, rate, stepOptions)), retry: true };
      steps.push(step);
      o.onStep(step);
    }
    return step.pass;
  };
  for (const rate of o.rates) {
    for (const name of systems) {
      if (failedAt[name] !== null) continue;
      if (await attempt(eps[name]!, rate)) best[name] = rate;
      else failedAt[name] = rate;
    }
    if (systems.every((name) => failedAt[name] !== null)) break;
  }
  for (const name of systems) {
    // Failed at the lowest rate of the sweep (a busy machine): step down until it passes.
    while (best[name] === 0 && failedAt[name] !== null && failedAt[name]! > 100) {
      const lower = Math.max(100, Math.round(failedAt[name]! / 2 / 50) * 50);
      if (await attempt(eps[name]!, lower)) best[name] = lower;
      else failedAt[name] = lower;
    }
    const fail = failedAt[name];
    if (fail === null || fail - best[name] <= Math.max(250, best[name] / 4)) continue;
    const mid = Math.round((best[name] + fail) / 2 / 50) * 50;
    if (mid > best[name] && mid < fail && (await attempt(eps[name]!, mid))) best[name] = mid;
  }
  // CPU per message of each at the highest rate every system passed (the efficiency behind the ratio).
  const passed = (system: RelaySystem) => new Set(steps.filter((s) => s.system === system && s.pass).map((s) => s.rate));
  const sets = systems.map(passed);
  const common = Math.max(0, ...[...sets[0]!].filter((rate) => sets.every((set) => set.has(rate))));
  const cpuAt = (system: RelaySystem) => steps.find((s) => s.system === system && s.rate === common && s.pass)?.cpuUsPerMessage ?? null;
  return {
    p99LimitMs: o.p99LimitMs,
    pairs,
    steps,
    sustained: { full: best.full, bare: best.bare, ...(eps.append ? { append: best.append } : {}) },
    ratio: best.bare > 0 ? best.full / best.bare : null,
    cpuUsPerMessage:
      common > 0 ? { rate: common, full: cpuAt('full'), bare: cpuAt('bare'), ...(eps.append ? { append: cpuAt('append') } : {}) } : null,
  };
}
