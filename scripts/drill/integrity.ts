/**
 * The drill's integrity check: what the simulated consoles saw against a final sync of the link logs.
 * Pure: it takes the observations and says, check by check, what holds and what does not.
 */
import { createHash } from 'node:crypto';
import { verifyChain, type Entry, type EntryOf, type EscalationPolicy } from '@hotline/shared';
import type { DrillObservations } from './model.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const MAX_FAILURES = 20;

export interface IntegrityCheck {
  id: string;
  title: string;
  ok: boolean;
  /** What was checked, in numbers. */
  detail: string;
  /** The first failures, one line each. */
  failures: string[];
  failureCount: number;
}

export interface IntegrityResult {
  ok: boolean;
  checks: IntegrityCheck[];
}

/** One alert of this drill, as the final log tells it. */
export interface AlertHistory {
  alertId: string;
  linkId: string;
  clientAlertId: string;
  raised: EntryOf<'alert.raised'>;
  escalations: EntryOf<'alert.escalated'>[];
  acknowledged: EntryOf<'alert.acknowledged'> | null;
  cancelled: EntryOf<'alert.cancelled'> | null;
  resolved: EntryOf<'alert.resolved'> | null;
  /** Every entry about the alert in log order. */
  entries: Entry[];
}

/** The alerts of this run (clientAlertId carries the run's tag), from the final logs. */
export function alertHistories(obs: Pick<DrillObservations, 'finalLogs' | 'runTag'>): Map<string, AlertHistory> {
  const out = new Map<string, AlertHistory>();
  for (const entries of Object.values(obs.finalLogs)) {
    for (const e of entries) {
      if (e.type === 'alert.raised') {
        if (!e.payload.clientAlertId.startsWith(obs.runTag)) continue;
        out.set(e.payload.alertId, {
          alertId: e.payload.alertId,
          linkId: e.linkId,
          clientAlertId: e.payload.clientAlertId,
          raised: e,
          escalations: [],
          acknowledged: null,
          cancelled: null,
          resolved: null,
          entries: [e],
        });
        continue;
      }
      if (!e.type.startsWith('alert.')) continue; // messages, receipts, keys, line checks, message escalations
      const h = out.get((e.payload as { alertId: string }).alertId);
      if (!h) continue;
      h.entries.push(e);
      if (e.type === 'alert.escalated') h.escalations.push(e);
      else if (e.type === 'alert.acknowledged') h.acknowledged ??= e;
      else if (e.type === 'alert.cancelled') h.cancelled ??= e;
      else if (e.type === 'alert.resolved') h.resolved ??= e;
    }
  }
  return out;
}

/** When step `step` of an alert is due and at which level, per the policy; null past the last step. */
export function plannedStep(policy: EscalationPolicy, raisedAt: number, step: number, immediateFirst: boolean): { level: number; dueAt: number; repeat: boolean } | null {
  const levels = policy.levels;
  const total = levels.length + (policy.repeat?.times ?? 0);
  if (step < 1 || step > total) return null;
  if (step <= levels.length) {
    return { level: step, repeat: false, dueAt: step === 1 && immediateFirst ? raisedAt : raisedAt + levels[step - 1]!.delay };
  }
  return { level: levels.length, repeat: true, dueAt: raisedAt + levels[levels.length - 1]!.delay + (step - levels.length) * policy.repeat!.every };
}

class Check {
  readonly failures: string[] = [];
  failureCount = 0;
  constructor(
    readonly id: string,
    readonly title: string,
  ) {}
  fail(line: string): void {
    this.failureCount++;
    if (this.failures.length < MAX_FAILURES) this.failures.push(line);
  }
  done(detail: string): IntegrityCheck {
    return { id: this.id, title: this.title, ok: this.failureCount === 0, detail, failures: this.failures, failureCount: this.failureCount };
  }
}

export function checkIntegrity(obs: DrillObservations, graceMs: number): IntegrityResult {
  const checks: IntegrityCheck[] = [];
  const logByLink = new Map<string, Map<number, Entry>>();
  for (const [linkId, entries] of Object.entries(obs.finalLogs)) logByLink.set(linkId, new Map(entries.map((e) => [e.seq, e])));
  const finalHead = (linkId: string) => {
    const entries = obs.finalLogs[linkId] ?? [];
    return entries.length ? entries[entries.length - 1]!.seq : (obs.startHeads[linkId]?.seq ?? 0);
  };

  // 1. Every link's log after the start is gapless and its hash chain continues from the start head.
  {
    const c = new Check('chain', 'Each link log after the start is gapless and its hash chain intact');
    let entries = 0;
    for (const link of obs.links) {
      const log = obs.finalLogs[link.id] ?? [];
      entries += log.length;
      const from = obs.startHeads[link.id] ?? { seq: 0, hash: '0'.repeat(64) };
      const r = verifyChain(log, sha256, from);
      if (!r.ok) c.fail(`${link.id}: seq ${r.seq}: ${r.reason}`);
    }
    checks.push(c.done(`${obs.links.length} links, ${entries} entries since the start`));
  }

  // 2. Every send the server acknowledged is in the log, at the seq it acked, with the same hash.
  {
    const c = new Check('acked-stored', 'Every acknowledged send and action is in the log as acknowledged');
    let n = 0;
    for (const s of obs.sends) {
      if (!s.stored) continue;
      n++;
      const e = logByLink.get(s.linkId)?.get(s.stored.seq);
      if (!e) c.fail(`${s.kind} ${s.clientId}: acked at ${s.linkId}#${s.stored.seq}, not in the log`);
      else if (e.hash !== s.stored.hash) c.fail(`${s.kind} ${s.clientId}: ${s.linkId}#${s.stored.seq} has another hash in the log`);
    }
    for (const a of obs.actions) {
      if (!a.stored) continue;
      n++;
      const linkId = /^AL-(.+)-\d+$/.exec(a.alertId)?.[1] ?? '';
      const e = logByLink.get(linkId)?.get(a.stored.seq);
      if (!e || e.hash !== a.stored.hash) c.fail(`${a.action} of ${a.alertId} by ${a.userId}: acked at #${a.stored.seq}, not in the log as acked`);
    }
    checks.push(c.done(`${n} acknowledged writes`));
  }

  // 3. Idempotency: no message or alert of this run stored twice.
  {
    const c = new Check('no-duplicates', 'No message or alert of the drill is stored twice');
    const seen = new Map<string, number>();
    for (const entries of Object.values(obs.finalLogs)) {
      for (const e of entries) {
        const id = e.type === 'message' ? e.payload.clientMsgId : e.type === 'alert.raised' ? e.payload.clientAlertId : null;
        if (id === null || !id.startsWith(obs.runTag)) continue;
        const prev = seen.get(id);
        if (prev !== undefined) c.fail(`${id} stored at #${prev} and again at ${e.linkId}#${e.seq}`);
        else seen.set(id, e.seq);
      }
    }
    checks.push(c.done(`${seen.size} distinct messages and alerts in the logs`));
  }

  // 4. Every console delivered every entry of its links exactly once, in order, as the log has it.
  {
    const c = new Check('exactly-once', 'Every console delivered each entry of its links exactly once, in order, as logged');
    let delivered = 0;
    for (const d of obs.deliveries) {
      const log = logByLink.get(d.linkId);
      if (!log) continue;
      const start = obs.startHeads[d.linkId]?.seq ?? 0;
      const head = finalHead(d.linkId);
      const seen = new Set<number>();
      let expected = start + 1;
      for (let i = 0; i < d.seqs.length; i++) {
        const seq = d.seqs[i]!;
        if (seq > head) break; // appended after the final sync
        delivered++;
        if (seen.has(seq)) {
          c.fail(`${d.userId} on ${d.linkId}: #${seq} delivered twice`);
          continue;
        }
        seen.add(seq);
        if (seq !== expected) c.fail(`${d.userId} on ${d.linkId}: #${seq} delivered where #${expected} was due`);
        expected = seq + 1;
        if (log.get(seq)?.hash !== d.hashes[i]) c.fail(`${d.userId} on ${d.linkId}: #${seq} differs from the log`);
      }
      const missing = head - start - [...seen].filter((s) => s <= head).length;
      if (missing > 0) c.fail(`${d.userId} on ${d.linkId}: ${missing} of #${start + 1}..#${head} never delivered`);
    }
    for (const f of obs.forks) c.fail(`${f.userId} on ${f.linkId}: fork at #${f.seq}: ${f.detail}`);
    checks.push(c.done(`${obs.deliveries.length} console-links, ${delivered} deliveries`));
  }

  // 5. Acknowledged sends reached the counterpart post's console (a direct view of check 4 for the drill's own traffic).
  {
    const c = new Check('counterpart-delivery', 'Every acknowledged alert and message reached the counterpart console');
    let n = 0;
    for (const s of obs.sends) {
      if (!s.stored) continue;
      n++;
      if (obs.counterpartArrival[s.clientId] === undefined) c.fail(`${s.kind} ${s.clientId} (${s.linkId}#${s.stored.seq}) never reached ${s.counterpartUserId}`);
    }
    checks.push(c.done(`${n} acknowledged sends`));
  }

  const histories = alertHistories(obs);
  const policies = new Map(obs.policies.map((p) => [p.id, p]));
  const serverNow = Math.max(0, ...Object.values(obs.finalLogs).flatMap((l) => (l.length ? [l[l.length - 1]!.ts] : [])));

  // 6. Each escalation step fires once, in order, at its level, and never after the alert was closed.
  {
    const c = new Check('escalation-once', 'Each escalation level fired at most once per alert, in order, and none after an acknowledgement');
    let steps = 0;
    for (const h of histories.values()) {
      const policy = policies.get(h.raised.payload.policyId);
      const immediate = !h.raised.payload.counterpartOnline && policy?.onCounterpartOffline === 'escalate-now';
      const closedSeq = Math.min(h.acknowledged?.seq ?? Infinity, h.cancelled?.seq ?? Infinity);
      h.escalations.forEach((e, i) => {
        steps++;
        if (e.payload.step !== i + 1) c.fail(`${h.alertId}: escalation #${e.seq} is step ${e.payload.step}, expected step ${i + 1}${e.payload.step <= i ? ' (duplicate)' : ''}`);
        if (e.seq > closedSeq) c.fail(`${h.alertId}: step ${e.payload.step} (#${e.seq}) escalated after it was ${h.acknowledged && h.acknowledged.seq === closedSeq ? 'acknowledged' : 'cancelled'} (#${closedSeq})`);
        if (policy) {
          const plan = plannedStep(policy, h.raised.ts, e.payload.step, immediate);
          if (!plan) c.fail(`${h.alertId}: step ${e.payload.step} is past the policy's last step`);
          else if (plan.level !== e.payload.level || plan.dueAt !== e.payload.dueAt) {
            c.fail(`${h.alertId}: step ${e.payload.step} at level ${e.payload.level} due ${e.payload.dueAt}, policy says level ${plan.level} due ${plan.dueAt}`);
          }
        }
      });
    }
    checks.push(c.done(`${histories.size} alerts, ${steps} escalations`));
  }

  // 7. No escalation was lost: every step due well before the alert was closed (or before the end) fired.
  {
    const c = new Check('escalation-not-lost', `Every escalation step due more than ${Math.round(graceMs / 1000)} s before its alert closed fired`);
    let expected = 0;
    for (const h of histories.values()) {
      const policy = policies.get(h.raised.payload.policyId);
      if (!policy) {
        c.fail(`${h.alertId}: policy ${h.raised.payload.policyId} unknown`);
        continue;
      }
      const immediate = !h.raised.payload.counterpartOnline && policy.onCounterpartOffline === 'escalate-now';
      const closedAt = Math.min(h.acknowledged?.ts ?? Infinity, h.cancelled?.ts ?? Infinity, serverNow);
      for (let step = 1; ; step++) {
        const plan = plannedStep(policy, h.raised.ts, step, immediate);
        if (!plan || plan.dueAt + graceMs >= closedAt) break;
        expected++;
        if (!h.escalations.some((e) => e.payload.step === step)) {
          c.fail(`${h.alertId}: step ${step} (level ${plan.level}) was due ${Math.round((closedAt - plan.dueAt) / 1000)} s before the alert closed and never fired`);
        }
      }
    }
    checks.push(c.done(`${expected} steps were due`));
  }

  // 8. Each escalation reached each simulated target once; no console saw an escalation the log does not hold.
  {
    const c = new Check('escalation-notified', 'Each escalation reached each simulated target exactly once, and only escalations in the log');
    const simulated = new Set(obs.simulatedUsers);
    const seen = new Map<string, number>();
    for (const s of obs.escalationsSeen) {
      if (!histories.has(s.alertId)) continue;
      const key = `${s.userId}|${s.alertId}|${s.step}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    let expected = 0;
    const known = new Set<string>();
    for (const h of histories.values()) {
      for (const e of h.escalations) {
        for (const target of e.payload.targets) {
          const key = `${target}|${h.alertId}|${e.payload.step}`;
          known.add(key);
          if (!simulated.has(target)) continue;
          expected++;
          const n = seen.get(key) ?? 0;
          if (n === 0) c.fail(`${target} never got step ${e.payload.step} of ${h.alertId}`);
          if (n > 1) c.fail(`${target} got step ${e.payload.step} of ${h.alertId} ${n} times`);
        }
      }
    }
    for (const key of seen.keys()) {
      if (!known.has(key)) {
        const [user, alertId, step] = key.split('|');
        c.fail(`${user} got step ${step} of ${alertId}, which the log does not record for them`);
      }
    }
    checks.push(c.done(`${expected} notifications to simulated targets`));
  }

  return { ok: checks.every((c) => c.ok), checks };
}
