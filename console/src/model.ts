import type {
  Actor,
  Alert,
  AlertState,
  Entry,
  EntryOf,
  Escalation,
  Link,
  MessageDeadline,
  Phrase,
  Post,
  Precedence,
  Presence,
  SessionUser,
  Side,
  VisibleTopology,
} from '@hotline/shared';
import { alertFromRaise, alertPosts, foldAlert, makeDeadlineId } from '@hotline/shared/core';

/**
 * What the console knows, projected from the link-log entries the SDK delivers (each once, in seq
 * order per link) plus escalations and presence. Pure: no DOM, no network, so it is unit-tested in Node.
 * The log is the source of truth: alert state here is rebuilt from the alert entries exactly as the
 * server's projection is, so the console never shows a state the log does not hold.
 */

export interface MessageItem {
  linkId: string;
  seq: number;
  ts: number;
  actor: Actor;
  drill: boolean;
  clientMsgId: string;
  text: string;
  precedence: Precedence;
}

interface ReceiptMark {
  uptoSeq: number;
  ts: number;
}

/** Entries a thread shows as events of the line: message escalations and line checks. */
export type LineEventEntry = EntryOf<'message.escalated'> | EntryOf<'linecheck.started'> | EntryOf<'linecheck.answered'> | EntryOf<'linecheck.closed'>;

/** What a thread shows, in seq order: messages, the alert entries of the link, line events and shift handovers. */
export type ThreadItem =
  | { kind: 'message'; seq: number; message: MessageItem }
  | { kind: 'alert'; seq: number; entry: Entry }
  | { kind: 'event'; seq: number; entry: LineEventEntry }
  | { kind: 'duty'; seq: number; entry: EntryOf<'duty.handover'> };

/**
 * One shift handover at a post. The server writes it on every link of the post (a duty.handover entry
 * each); the console holds it once, with the links it was seen on.
 */
export interface HandoverRecord {
  postId: string;
  /** Who went off duty: the entry's `from`, or the operator who handed over when nobody was on duty. */
  from: string;
  /** The operator who made the handover (signed it). */
  by: string;
  to: string;
  note: string;
  at: number;
  drill: boolean;
  /** The entries that carry it: link and seq. */
  entries: { linkId: string; seq: number }[];
}

/**
 * Who is on duty at a post: the last handover, or (none ever made) the operators logged in at the
 * post now, from presence; `online` says whether the operator on duty has a console connected now
 * (null: not known).
 */
export type DutyState =
  | { kind: 'handover'; userId: string; since: number; note: string; online: boolean | null; record: HandoverRecord }
  | { kind: 'logged-in'; users: string[] }
  | { kind: 'nobody'; online: boolean | null };

/** Copies of one handover on the post's links are appended within moments of each other. */
const HANDOVER_COPIES_WITHIN_MS = 10_000;

/** One escalation of a message nobody acknowledged in time (a message.escalated entry). */
export interface MessageEscalationStep {
  seq: number;
  at: number;
  step: number;
  level: number;
  repeat: boolean;
  targets: string[];
  targetKinds: string[];
}

/**
 * A flash or immediate message (any precedence the topology gives a deadline) and its acknowledgement,
 * projected from the log: the message, the receipt of kind ack that quotes it, its message.escalated
 * entries. docs/discipline.md.
 */
export interface DeadlineRecord {
  /** MSG-<linkId>-<seq>, as the server names it. */
  id: string;
  linkId: string;
  seq: number;
  precedence: Precedence;
  sentAt: number;
  sentBy: Actor;
  senderPostId: string;
  /** The post that must acknowledge. */
  counterpartPostId: string;
  drill: boolean;
  excerpt: string;
  /** sent + the topology's deadline for the precedence (or the server's figure, from /api/deadlines). */
  deadlineAt: number;
  /** The escalation policy, once the server has said (GET /api/deadlines or an escalation). */
  policyId: string | null;
  state: 'awaiting' | 'acknowledged';
  acknowledgedAt?: number;
  acknowledgedBy?: Actor;
  ackSeq?: number;
  escalations: MessageEscalationStep[];
  /** When the next escalation is due, when known; null: none known (or none left). */
  nextEscalationAt: number | null;
}

/** A scheduled line check and its answers, projected from linecheck.* entries. */
export interface LineCheckRecord {
  checkId: string;
  linkId: string;
  startedSeq: number;
  startedAt: number;
  slotAt: number;
  windowEndsAt: number;
  late: boolean;
  missedSlots: number;
  posts: string[];
  /** Per post: who answered, when, in which entry. */
  answers: Map<string, { at: number; actor: Actor; seq: number }>;
  /** The outcome, once the window has closed. */
  closed: { at: number; seq: number; answered: string[]; missed: string[]; alertId: string | null } | null;
}

export interface Thread {
  link: Link;
  /** Messages in seq order. */
  messages: MessageItem[];
  /** Messages and alert entries in seq order (receipts are shown as marks, not items). */
  items: ThreadItem[];
  /** Highest seq applied (any entry type). */
  lastSeq: number;
  /** clientMsgIds of the messages held, so a queued copy is never shown beside the stored one. */
  clientMsgIds: Set<string>;
  /** Receipts per post, in the order written (uptoSeq only grows). */
  delivered: Map<string, ReceiptMark[]>;
  read: Map<string, ReceiptMark[]>;
}

export interface AlertRecord {
  alert: Alert;
  /** Every entry about the alert, in seq order: raised, escalated, acknowledged, commented ... */
  timeline: Entry[];
}

/** What an entry changed, for the views to react to. */
export interface Change {
  entry: Entry;
  kind: 'message' | 'receipt' | 'alert' | 'deadline' | 'linecheck' | 'duty';
  alertId?: string;
  /** Deadline changes: its id. Line checks: the check id. */
  id?: string;
}

export type MessageMark = 'sent' | 'delivered' | 'read';

export interface AlertFilter {
  /** "active": open or acknowledged. */
  state: 'active' | 'all' | AlertState;
  link: 'all' | string;
  /** Lowest severity shown. */
  minSeverity: 1 | 2 | 3 | 4;
  drill: 'all' | 'real' | 'drill';
}

export const DEFAULT_FILTER: AlertFilter = { state: 'active', link: 'all', minSeverity: 1, drill: 'all' };

export interface AlertPermissions {
  ack: boolean;
  cancel: boolean;
  resolve: boolean;
  comment: boolean;
  /** The post the user acts for on this alert (a commander acts on behalf of a post), if any. */
  actingFor: string | null;
}

export interface PhraseLine {
  lang: string;
  text: string;
}

const STATE_ORDER: Record<AlertState, number> = { open: 0, acknowledged: 1, resolved: 2, cancelled: 3 };

export class ConsoleModel {
  readonly topology: VisibleTopology;
  readonly user: SessionUser;
  /** The session may only send exercise traffic (a drill token). */
  readonly drillOnly: boolean;
  readonly threads = new Map<string, Thread>();
  readonly alerts = new Map<string, AlertRecord>();
  /** Escalations that reached this user, by inbox position. */
  readonly escalations = new Map<number, Escalation>();
  /** Messages with an acknowledgement deadline, by deadline id (MSG-<linkId>-<seq>). */
  readonly deadlines = new Map<string, DeadlineRecord>();
  /** Line checks by check id. */
  readonly lineChecks = new Map<string, LineCheckRecord>();
  inboxReadUpto = 0;
  readonly presence = new Map<string, Presence>();
  /** Shift handovers per post, oldest first. */
  readonly #handovers = new Map<string, HandoverRecord[]>();
  readonly #posts = new Map<string, Post>();
  readonly #sides = new Map<string, Side>();
  /** Read marks this console sent that the log may not show yet. */
  readonly #localRead = new Map<string, number>();
  readonly #phraseByText = new Map<string, Phrase>();

  constructor(topology: VisibleTopology, user: SessionUser, options: { drillOnly?: boolean } = {}) {
    this.topology = topology;
    this.user = user;
    this.drillOnly = options.drillOnly ?? false;
    for (const p of topology.posts) this.#posts.set(p.id, p);
    for (const s of topology.sides) this.#sides.set(s.id, s);
    for (const link of topology.links) {
      this.threads.set(link.id, { link, messages: [], items: [], lastSeq: 0, clientMsgIds: new Set(), delivered: new Map(), read: new Map() });
    }
    for (const phrase of topology.phrases) {
      for (const text of Object.values(phrase.text)) this.#phraseByText.set(normalise(text), phrase);
    }
  }

  // --- topology -----------------------------------------------------------------------------------

  post(id: string): Post | undefined {
    return this.#posts.get(id);
  }
  postName(id: string | null | undefined): string {
    if (!id) return 'system';
    return this.#posts.get(id)?.name ?? id;
  }
  side(id: string | null | undefined): Side | undefined {
    return id ? this.#sides.get(id) : undefined;
  }
  sideOfPost(postId: string): Side | undefined {
    return this.side(this.#posts.get(postId)?.side);
  }
  link(id: string): Link | undefined {
    return this.threads.get(id)?.link;
  }
  get links(): Link[] {
    return this.topology.links;
  }
  otherPost(link: Link, postId: string): string {
    return link.posts[0] === postId ? link.posts[1] : link.posts[0];
  }
  /** The user's own post on a link: operators of either end; null for everyone else. */
  myPostOn(link: Link): string | null {
    const mine = this.user.role === 'operator' ? this.user.post : null;
    return mine && link.posts.includes(mine) ? mine : null;
  }
  /** Links this user may write on (operators of either end). */
  get writableLinks(): Link[] {
    return this.links.filter((l) => this.myPostOn(l) !== null);
  }
  /** Whether the user receives escalations (commanders, post supervisors). */
  get receivesEscalations(): boolean {
    return this.user.role === 'commander' || this.user.supervisor;
  }
  get readOnly(): boolean {
    return this.user.role === 'monitor' || this.user.role === 'admin';
  }
  userName(id: string): string {
    return this.topology.users.find((u) => u.id === id)?.name ?? id;
  }

  // --- entries ------------------------------------------------------------------------------------

  /** Applies one entry (the SDK delivers each once, in order). Returns what changed, or null. */
  apply(entry: Entry): Change | null {
    const thread = this.threads.get(entry.linkId);
    if (!thread || entry.seq <= thread.lastSeq) return null;
    thread.lastSeq = entry.seq;
    switch (entry.type) {
      case 'message': {
        const message: MessageItem = {
          linkId: entry.linkId,
          seq: entry.seq,
          ts: entry.ts,
          actor: entry.actor,
          drill: entry.drill,
          clientMsgId: entry.payload.clientMsgId,
          text: entry.payload.text,
          precedence: entry.payload.precedence,
        };
        thread.messages.push(message);
        thread.items.push({ kind: 'message', seq: entry.seq, message });
        thread.clientMsgIds.add(entry.payload.clientMsgId);
        this.#createDeadline(thread.link, entry);
        return { entry, kind: 'message' };
      }
      case 'receipt': {
        if (entry.payload.kind === 'ack') {
          const d = this.deadlines.get(makeDeadlineId(entry.linkId, entry.payload.uptoSeq));
          if (d && d.state === 'awaiting') {
            d.state = 'acknowledged';
            d.acknowledgedAt = entry.ts;
            d.acknowledgedBy = entry.actor;
            d.ackSeq = entry.seq;
            d.nextEscalationAt = null;
          }
          return { entry, kind: 'deadline', id: makeDeadlineId(entry.linkId, entry.payload.uptoSeq) };
        }
        const map = entry.payload.kind === 'read' ? thread.read : thread.delivered;
        const list = map.get(entry.payload.postId) ?? [];
        const last = list[list.length - 1];
        if (!last || entry.payload.uptoSeq > last.uptoSeq) list.push({ uptoSeq: entry.payload.uptoSeq, ts: entry.ts });
        map.set(entry.payload.postId, list);
        return { entry, kind: 'receipt' };
      }
      case 'alert.raised': {
        // A line-fault alert is raised by the system against the post that did not answer the check;
        // the shared fold decides the posts as the server does.
        const check = entry.payload.lineCheckId ? this.lineChecks.get(entry.payload.lineCheckId) : undefined;
        const posts = alertPosts(thread.link.posts, entry.actor.postId, check?.closed?.missed ?? []);
        const alert = alertFromRaise(entry, posts);
        this.alerts.set(alert.alertId, { alert, timeline: [entry] });
        thread.items.push({ kind: 'alert', seq: entry.seq, entry });
        return { entry, kind: 'alert', alertId: alert.alertId };
      }
      case 'alert.acknowledged':
      case 'alert.resolved':
      case 'alert.cancelled':
      case 'alert.commented':
      case 'alert.escalated': {
        const record = this.alerts.get(entry.payload.alertId);
        if (!record) return null; // its raise is not in this console's history (cannot happen with full sync)
        record.timeline.push(entry);
        thread.items.push({ kind: 'alert', seq: entry.seq, entry });
        record.alert = foldAlert(record.alert, entry);
        return { entry, kind: 'alert', alertId: record.alert.alertId };
      }
      case 'message.escalated': {
        const p = entry.payload;
        thread.items.push({ kind: 'event', seq: entry.seq, entry });
        const d = this.deadlines.get(p.deadlineId);
        if (d) {
          d.escalations.push({ seq: entry.seq, at: entry.ts, step: p.step, level: p.level, repeat: p.repeat, targets: p.targets, targetKinds: p.targetKinds });
          if (d.state === 'awaiting') d.nextEscalationAt = p.nextEscalationAt;
        }
        return { entry, kind: 'deadline', id: p.deadlineId };
      }
      case 'linecheck.started': {
        const p = entry.payload;
        this.lineChecks.set(p.checkId, {
          checkId: p.checkId,
          linkId: entry.linkId,
          startedSeq: entry.seq,
          startedAt: entry.ts,
          slotAt: p.slotAt,
          windowEndsAt: p.windowEndsAt,
          late: p.late,
          missedSlots: p.missedSlots,
          posts: [...p.posts],
          answers: new Map(),
          closed: null,
        });
        thread.items.push({ kind: 'event', seq: entry.seq, entry });
        return { entry, kind: 'linecheck', id: p.checkId };
      }
      case 'linecheck.answered': {
        const check = this.lineChecks.get(entry.payload.checkId);
        if (check && !check.answers.has(entry.payload.postId)) check.answers.set(entry.payload.postId, { at: entry.ts, actor: entry.actor, seq: entry.seq });
        thread.items.push({ kind: 'event', seq: entry.seq, entry });
        return { entry, kind: 'linecheck', id: entry.payload.checkId };
      }
      case 'linecheck.closed': {
        const p = entry.payload;
        const check = this.lineChecks.get(p.checkId);
        if (check) check.closed = { at: entry.ts, seq: entry.seq, answered: [...p.answered], missed: [...p.missed], alertId: p.alertId };
        thread.items.push({ kind: 'event', seq: entry.seq, entry });
        return { entry, kind: 'linecheck', id: p.checkId };
      }
      case 'duty.handover': {
        thread.items.push({ kind: 'duty', seq: entry.seq, entry });
        this.#noteHandover(entry);
        return { entry, kind: 'duty' };
      }
      default:
        // Key registrations are part of the record, not of the conversation; they still advance the thread.
        return null;
    }
  }

  // --- who is on duty ------------------------------------------------------------------------------

  #noteHandover(entry: EntryOf<'duty.handover'>): void {
    const p = entry.payload;
    const list = this.#handovers.get(p.postId) ?? [];
    const copy = list.find((r) => r.by === entry.actor.userId && r.to === p.to && r.note === p.note && Math.abs(r.at - entry.ts) < HANDOVER_COPIES_WITHIN_MS);
    if (copy) {
      if (!copy.entries.some((e) => e.linkId === entry.linkId)) copy.entries.push({ linkId: entry.linkId, seq: entry.seq });
      return;
    }
    list.push({ postId: p.postId, from: p.from ?? entry.actor.userId, by: entry.actor.userId, to: p.to, note: p.note, at: entry.ts, drill: entry.drill, entries: [{ linkId: entry.linkId, seq: entry.seq }] });
    list.sort((a, b) => a.at - b.at);
    this.#handovers.set(p.postId, list);
  }

  /** The shift handovers at a post this console has seen, newest first. */
  handovers(postId: string): HandoverRecord[] {
    return [...(this.#handovers.get(postId) ?? [])].reverse();
  }

  /** The active operators of a post in the topology (its supervisors included). */
  operatorsOf(postId: string): { id: string; name: string }[] {
    return this.topology.users.filter((u) => u.role === 'operator' && u.post === postId && !u.disabled).map((u) => ({ id: u.id, name: u.name }));
  }

  /** Who is on duty at a post now: the last handover (real ones only, but in a drill session), else who is logged in as its operator. */
  onDuty(postId: string): DutyState {
    const presence = this.presence.get(postId);
    const connected = presence?.operators;
    // An exercise handover (a drill session's) does not change who is really on duty, except to a drill session.
    const last = [...(this.#handovers.get(postId) ?? [])].reverse().find((r) => !r.drill || this.drillOnly);
    if (last) {
      const online = connected ? connected.includes(last.to) : presence && !presence.online ? false : null;
      return { kind: 'handover', userId: last.to, since: last.at, note: last.note, online, record: last };
    }
    if (connected && connected.length > 0) return { kind: 'logged-in', users: connected };
    return { kind: 'nobody', online: presence ? presence.online : null };
  }

  // --- receipts and unread ------------------------------------------------------------------------

  /** Highest seq the post has read on a link (from the log, or a read this console just sent). */
  readUpto(linkId: string, postId: string): number {
    const fromLog = this.threads.get(linkId)?.read.get(postId)?.at(-1)?.uptoSeq ?? 0;
    const local = postId === this.user.post ? (this.#localRead.get(linkId) ?? 0) : 0;
    return Math.max(fromLog, local);
  }

  /** Highest seq delivered to the post's consoles (reading implies delivery). */
  deliveredUpto(linkId: string, postId: string): number {
    const fromLog = this.threads.get(linkId)?.delivered.get(postId)?.at(-1)?.uptoSeq ?? 0;
    return Math.max(fromLog, this.threads.get(linkId)?.read.get(postId)?.at(-1)?.uptoSeq ?? 0);
  }

  /** Records a read this console sent, so the unread count drops at once. */
  noteLocalRead(linkId: string, uptoSeq: number): void {
    if ((this.#localRead.get(linkId) ?? 0) < uptoSeq) this.#localRead.set(linkId, uptoSeq);
  }

  /** Messages from the other end the post has not read. */
  unread(linkId: string, postId: string): number {
    const thread = this.threads.get(linkId);
    if (!thread) return 0;
    const upto = this.readUpto(linkId, postId);
    let n = 0;
    for (let i = thread.messages.length - 1; i >= 0 && thread.messages[i]!.seq > upto; i--) {
      if (thread.messages[i]!.actor.postId !== postId) n++;
    }
    return n;
  }

  /** seq of the newest message from the other end, which reading the thread acknowledges. */
  lastIncomingSeq(linkId: string, postId: string): number {
    const thread = this.threads.get(linkId);
    if (!thread) return 0;
    for (let i = thread.messages.length - 1; i >= 0; i--) {
      if (thread.messages[i]!.actor.postId !== postId) return thread.messages[i]!.seq;
    }
    return 0;
  }

  /** How far a message got at the other end: stored (sent), delivered to its consoles, or read, with when. */
  mark(message: MessageItem): { mark: MessageMark; at?: number } {
    const thread = this.threads.get(message.linkId);
    if (!thread || !message.actor.postId) return { mark: 'sent' };
    const other = this.otherPost(thread.link, message.actor.postId);
    const first = (list: ReceiptMark[] | undefined) => list?.find((r) => r.uptoSeq >= message.seq);
    const read = first(thread.read.get(other));
    if (read) return { mark: 'read', at: read.ts };
    const delivered = first(thread.delivered.get(other));
    if (delivered) return { mark: 'delivered', at: delivered.ts };
    return { mark: 'sent' };
  }

  // --- alerts -------------------------------------------------------------------------------------

  alert(alertId: string): AlertRecord | undefined {
    return this.alerts.get(alertId);
  }

  /** Alerts matching a filter: open first (most severe, then newest), then acknowledged, then the rest. */
  filteredAlerts(filter: AlertFilter): AlertRecord[] {
    const out: AlertRecord[] = [];
    for (const r of this.alerts.values()) {
      const a = r.alert;
      if (filter.state === 'active' && a.state !== 'open' && a.state !== 'acknowledged') continue;
      if (filter.state !== 'active' && filter.state !== 'all' && a.state !== filter.state) continue;
      if (filter.link !== 'all' && a.linkId !== filter.link) continue;
      if (a.severity < filter.minSeverity) continue;
      if (filter.drill === 'real' && a.drill) continue;
      if (filter.drill === 'drill' && !a.drill) continue;
      out.push(r);
    }
    return out.sort(compareAlerts);
  }

  /** Open and acknowledged alerts, most urgent first. */
  get activeAlerts(): AlertRecord[] {
    return this.filteredAlerts(DEFAULT_FILTER);
  }

  /**
   * Open alerts raised against this operator's post: they take over the screen and ring until someone
   * at the post (or a commander for it) acknowledges them. Most severe first, then oldest.
   */
  get incomingAlerts(): AlertRecord[] {
    const post = this.user.role === 'operator' ? this.user.post : null;
    if (!post) return [];
    return [...this.alerts.values()]
      .filter((r) => r.alert.state === 'open' && r.alert.counterpartPostId === post)
      .sort((x, y) => y.alert.severity - x.alert.severity || x.alert.raisedAt - y.alert.raisedAt);
  }

  /** A commander covers a post in one of their sectors; the joint command covers every post. */
  covers(postId: string): boolean {
    if (this.user.role !== 'commander') return false;
    if (this.user.joint) return true;
    const post = this.#posts.get(postId);
    return post !== undefined && this.user.sectors.includes(post.sector);
  }

  /** The post the user acts for on a link, by the server's rule (docs/alerts.md). */
  #actingPost(link: Link, preferred: string): string | null {
    if (this.user.role === 'operator') return this.myPostOn(link);
    if (this.user.role !== 'commander') return null;
    if (this.covers(preferred)) return preferred;
    const other = this.otherPost(link, preferred);
    return this.covers(other) ? other : null;
  }

  /** What the user may do with an alert now. Mirrors the server's checks; the server has the last word. */
  permissions(alert: Alert): AlertPermissions {
    const none: AlertPermissions = { ack: false, cancel: false, resolve: false, comment: false, actingFor: null };
    const link = this.link(alert.linkId);
    if (!link || this.readOnly) return none;
    if (this.drillOnly && !alert.drill) return none;
    const ackPost = this.#actingPost(link, alert.counterpartPostId);
    const cancelPost = this.#actingPost(link, alert.raiserPostId);
    const otherPost = this.#actingPost(link, this.user.post ?? alert.counterpartPostId);
    const ack = alert.state === 'open' && ackPost === alert.counterpartPostId;
    const cancel = alert.state === 'open' && cancelPost === alert.raiserPostId;
    return {
      ack,
      cancel,
      resolve: alert.state === 'acknowledged' && otherPost !== null,
      comment: otherPost !== null,
      actingFor: ack ? ackPost : cancel ? cancelPost : otherPost,
    };
  }

  // --- escalations --------------------------------------------------------------------------------

  addEscalation(e: Escalation): boolean {
    if (this.escalations.has(e.position)) return false;
    this.escalations.set(e.position, e);
    return true;
  }

  /** Newest first. */
  get inbox(): Escalation[] {
    return [...this.escalations.values()].sort((a, b) => b.position - a.position);
  }

  get unreadEscalations(): Escalation[] {
    return this.inbox.filter((e) => e.position > this.inboxReadUpto);
  }

  /**
   * Unread escalations whose subject still waits: the chime sounds for these only, and stops once the
   * alert is acknowledged, resolved or cancelled, or the message acknowledged.
   */
  get chimingEscalations(): Escalation[] {
    return this.unreadEscalations.filter((e) => {
      if (e.subject === 'alert') return this.escalationAlert(e)?.state === 'open';
      return (this.deadlines.get(e.id)?.state ?? e.message?.state) !== 'acknowledged';
    });
  }

  /** Critical alerts escalated to this commander that take over the screen until acknowledged (by anyone). */
  readonly escalatedTakeovers = new Set<string>();

  /** The alerts that take over this console: incoming ones at an operator's post, escalated critical ones for a commander. */
  get takeoverAlerts(): AlertRecord[] {
    const escalated = [...this.escalatedTakeovers]
      .map((id) => this.alerts.get(id))
      .filter((r): r is AlertRecord => r !== undefined && r.alert.state === 'open' && this.permissions(r.alert).ack);
    return [...this.incomingAlerts, ...escalated];
  }

  /** The alert of an escalation as the log shows it now (the event's copy is as it was then). */
  escalationAlert(e: Escalation): Alert | undefined {
    return (e.alertId ? this.alerts.get(e.alertId)?.alert : undefined) ?? e.alert;
  }

  // --- precedence deadlines ----------------------------------------------------------------------

  /** A message with a deadline: created when the topology gives its precedence one (docs/discipline.md). */
  #createDeadline(link: Link, entry: EntryOf<'message'>): void {
    const rule = this.topology.precedence?.[entry.payload.precedence];
    const sender = entry.actor.postId;
    if (!rule || !sender || !link.posts.includes(sender)) return;
    const id = makeDeadlineId(link.id, entry.seq);
    this.deadlines.set(id, {
      id,
      linkId: link.id,
      seq: entry.seq,
      precedence: entry.payload.precedence,
      sentAt: entry.ts,
      sentBy: entry.actor,
      senderPostId: sender,
      counterpartPostId: this.otherPost(link, sender),
      drill: entry.drill,
      excerpt: Array.from(entry.payload.text).slice(0, 200).join(''),
      deadlineAt: entry.ts + rule.deadline,
      policyId: entry.drill ? null : (rule.policy ?? null),
      state: 'awaiting',
      escalations: [],
      nextEscalationAt: null,
    });
  }

  /** The deadline of a message, if it has one. */
  deadline(linkId: string, seq: number): DeadlineRecord | undefined {
    return this.deadlines.get(makeDeadlineId(linkId, seq));
  }

  /**
   * Takes what the server says of a deadline (GET /api/deadlines, an escalation event): its policy and
   * the next escalation. The log stays the source of truth for the state: an acknowledgement the
   * console already holds is never undone by an older snapshot.
   */
  mergeDeadline(d: MessageDeadline): void {
    const record = this.deadlines.get(d.id);
    if (!record) return;
    record.policyId = d.policyId;
    record.deadlineAt = d.deadlineAt;
    if (record.state === 'awaiting' && d.state === 'awaiting' && d.step >= record.escalations.length) record.nextEscalationAt = d.nextEscalationAt;
  }

  /** Links whose messages this user follows as a post (operators) or in scope (everyone else). */
  #followsDeadline(d: DeadlineRecord): boolean {
    if (this.user.role !== 'operator') return true;
    return d.senderPostId === this.user.post || d.counterpartPostId === this.user.post;
  }

  /** Messages still awaiting acknowledgement, the most pressing deadline first. */
  get awaitingDeadlines(): DeadlineRecord[] {
    return [...this.deadlines.values()].filter((d) => d.state === 'awaiting' && this.#followsDeadline(d)).sort((a, b) => a.deadlineAt - b.deadlineAt);
  }

  /** The latest acknowledged ones, newest first. */
  recentlyAcknowledged(limit: number): DeadlineRecord[] {
    return [...this.deadlines.values()]
      .filter((d) => d.state === 'acknowledged' && this.#followsDeadline(d))
      .sort((a, b) => (b.acknowledgedAt ?? 0) - (a.acknowledgedAt ?? 0))
      .slice(0, limit);
  }

  /**
   * The post this user would acknowledge a message for (the counterpart's operators, or a commander
   * covering it), or null when they may not. Mirrors the server's check; the server has the last word.
   */
  messageAckPost(d: DeadlineRecord): string | null {
    const link = this.link(d.linkId);
    if (!link || this.readOnly || d.state !== 'awaiting') return null;
    if (this.drillOnly && !d.drill) return null;
    return this.#actingPost(link, d.counterpartPostId) === d.counterpartPostId ? d.counterpartPostId : null;
  }

  // --- line checks --------------------------------------------------------------------------------

  /**
   * Line checks this operator's post must still answer: started on a link of the post, not answered by
   * it, not closed. `now` is server time; a check whose window has passed stays until it closes, so the
   * console can say it is waiting for the outcome.
   */
  get pendingLineChecks(): LineCheckRecord[] {
    const post = this.user.role === 'operator' ? this.user.post : null;
    if (!post) return [];
    return [...this.lineChecks.values()]
      .filter((c) => c.closed === null && c.posts.includes(post) && !c.answers.has(post))
      .sort((a, b) => a.windowEndsAt - b.windowEndsAt);
  }

  /** Line checks started on a link, newest first. */
  lineChecksOf(linkId: string): LineCheckRecord[] {
    return [...this.lineChecks.values()].filter((c) => c.linkId === linkId).sort((a, b) => b.startedSeq - a.startedSeq);
  }

  // --- phrases ------------------------------------------------------------------------------------

  /** Languages a phrase is sent in on a link: the writer's side's languages, then the other side's. */
  phraseLanguages(link: Link | undefined): string[] {
    const mine = link ? this.myPostOn(link) : null;
    const first = mine ? this.sideOfPost(mine) : this.side(this.user.side);
    const second = link && mine ? this.sideOfPost(this.otherPost(link, mine)) : undefined;
    const langs = [...(first?.languages ?? []), ...(second?.languages ?? [])];
    for (const s of this.topology.sides) langs.push(...s.languages);
    return [...new Set(langs)];
  }

  /** A phrase as message text: one line per language, so every reader finds their own. */
  composePhrase(phrase: Phrase, langs: string[]): string {
    return langs.flatMap((l) => (phrase.text[l] ? [phrase.text[l]] : [])).join('\n');
  }

  /**
   * The pre-agreed phrase a message carries, if every line of it is one language of the same phrase;
   * with the phrase in every language the topology has, so both sides read it in their own.
   */
  matchPhrase(text: string): { phrase: Phrase; lines: PhraseLine[] } | null {
    const lines = text.split('\n').map(normalise).filter((l) => l !== '');
    if (lines.length === 0) return null;
    const phrase = this.#phraseByText.get(lines[0]!);
    if (!phrase || !lines.every((l) => this.#phraseByText.get(l) === phrase)) return null;
    const langs = this.phraseLanguages(undefined);
    for (const lang of Object.keys(phrase.text)) if (!langs.includes(lang)) langs.push(lang);
    return { phrase, lines: langs.flatMap((lang) => (phrase.text[lang] ? [{ lang, text: phrase.text[lang] }] : [])) };
  }
}

function normalise(s: string): string {
  return s.trim().normalize('NFC');
}

export function compareAlerts(x: AlertRecord, y: AlertRecord): number {
  const a = x.alert;
  const b = y.alert;
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || (a.state === 'open' ? b.severity - a.severity : 0) || b.raisedAt - a.raisedAt;
}
