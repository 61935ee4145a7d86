import {
  AppError,
  ErrorCode,
  type Entry,
  type HotlineReceiptRequest,
  type Link,
  type LinkHead,
  type MessageDeadline,
  type ReceiptResult,
  type SealedSendResult,
  type SendResult,
  type SyncResult,
  type HotlineSendRequest,
  type SyncRequest,
} from '@hotline/shared';
import type { z } from 'zod';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import { contentDigest, toLinkHead, type LinkLog, type ProjectionOp } from '../store/link-log.js';
import type { PostReceiptState, ReceiptStore } from '../store/receipt-store.js';
import type { Broadcaster } from './broadcaster.js';
import type { CheckpointService } from './checkpoint-service.js';
import type { SignatureService } from './signature-service.js';
import type { PrecedenceService } from './precedence-service.js';

/** Hotline messages, receipts and sync: the use cases on top of the link log. */
export class HotlineService {
  readonly #topo: TopologyIndex;
  readonly #log: LinkLog;
  readonly #receipts: ReceiptStore;
  readonly #broadcast: Broadcaster;
  readonly #sigs: SignatureService;
  readonly #checkpoints: CheckpointService;
  readonly #precedence: PrecedenceService;

  readonly #onDelivered: ((ms: number) => void) | undefined;

  constructor(deps: {
    /** Observes the time from receiving a send to handing its entry to Socket.IO. */
    onDelivered?: (ms: number) => void;
    precedence: PrecedenceService;
    topo: TopologyIndex;
    log: LinkLog;
    receipts: ReceiptStore;
    broadcaster: Broadcaster;
    signatures: SignatureService;
    checkpoints: CheckpointService;
  }) {
    this.#topo = deps.topo;
    this.#log = deps.log;
    this.#receipts = deps.receipts;
    this.#broadcast = deps.broadcaster;
    this.#sigs = deps.signatures;
    this.#checkpoints = deps.checkpoints;
    this.#precedence = deps.precedence;
    this.#onDelivered = deps.onDelivered;
  }

  #writableLink(principal: Principal, linkId: string): Link {
    const link = this.#topo.readableLink(principal, linkId);
    if (!this.#topo.canSend(principal, link)) {
      throw new AppError(ErrorCode.FORBIDDEN, `${principal.role}s cannot write on a hotline`);
    }
    return link;
  }

  /**
   * Appends a message. Idempotent per (user, clientMsgId): a retry returns the stored entry (and pushes
   * it again, in case the first push died with its node); the same id with other content is CONFLICT.
   * With `reply: 'seal'` an appended message is acked with its seal only (the client rebuilds the
   * entry from what it sent); a duplicate is always answered with the stored entry.
   * `originSocket`: the socket that sent it gets the entry in its ack only, not pushed a second time
   * (one entry-sized frame less per message on the sender's link; the SDK delivers acked entries).
   */
  async send(principal: Principal, req: z.output<typeof HotlineSendRequest>, originSocket?: string): Promise<SendResult | SealedSendResult> {
    const started = performance.now();
    const link = this.#writableLink(principal, req.linkId);
    if (principal.drillOnly && !req.drill) {
      throw new AppError(ErrorCode.FORBIDDEN, 'a drill token sends exercise traffic only (drill: true)');
    }
    const postId = principal.postId!;
    const digest = contentDigest({ text: req.text, precedence: req.precedence, drill: req.drill });
    const signing = await this.#sigs.check(principal, 'hotline:send', req, req.sig);
    const actor = { userId: principal.userId, role: principal.role, postId };
    const rule = this.#precedence.rule(req.precedence, req.drill);
    let deadline: MessageDeadline | undefined;
    const outcome = await this.#sigs.appendOnce(link.id, signing, actor, [], () => ({
      write: true,
      draft: {
        linkId: link.id,
        type: 'message',
        actor,
        drill: req.drill,
        payload: { clientMsgId: req.clientMsgId, text: req.text, precedence: req.precedence },
      },
      idempotency: { key: `m:${principal.userId}:${req.clientMsgId}`, digest },
      project: (entry) => {
        const ops: ProjectionOp[] = [this.#receipts.messageSent(link.id, postId, entry.seq)];
        if (rule) {
          // Flash and immediate: the acknowledgement deadline is created with the message.
          const created = this.#precedence.create(entry as Entry & { type: 'message' }, link, rule);
          deadline = created.deadline;
          ops.push(...created.ops);
        }
        return ops;
      },
      result: (entry) => entry,
    }));
    if (outcome.kind === 'duplicate') {
      const entry = await this.#duplicate(link.id, outcome.seq, outcome.digest, digest, 'clientMsgId');
      this.#broadcast.entryAgain(entry);
      return { entry, duplicate: true };
    }
    if (outcome.kind !== 'appended') throw new AppError(ErrorCode.INTERNAL, 'message not appended');
    this.#broadcast.entry(outcome.entry, originSocket);
    this.#onDelivered?.(performance.now() - started);
    if (deadline) await this.#precedence.schedule(deadline);
    if (req.reply === 'seal') {
      const { seq, ts, prevHash, hash } = outcome.entry;
      return { seal: { seq, ts, prevHash, hash }, duplicate: false };
    }
    return { entry: outcome.entry, duplicate: false };
  }

  /** The stored entry of an idempotency key, or CONFLICT when it was used for other content. */
  async #duplicate(linkId: string, seq: number, storedDigest: string, digest: string, idName: string): Promise<Entry> {
    if (storedDigest !== digest) {
      throw new AppError(ErrorCode.CONFLICT, `${idName} was already used for different content`, { details: { seq } });
    }
    const entry = await this.#log.get(linkId, seq);
    if (!entry) throw new AppError(ErrorCode.INTERNAL, `entry ${seq} of ${linkId} is missing`);
    return entry;
  }

  /**
   * Records that the caller's post has delivered or read the link up to `uptoSeq`, as a receipt entry
   * quoting the hash of the entry at uptoSeq. Cursors only move forward: an older receipt writes nothing.
   * Reading implies delivery.
   */
  async receipt(principal: Principal, kind: 'delivered' | 'read', req: HotlineReceiptRequest): Promise<ReceiptResult> {
    const link = this.#writableLink(principal, req.linkId);
    const postId = principal.postId!;
    const target = await this.#log.get(link.id, req.uptoSeq);
    if (!target) throw new AppError(ErrorCode.NOT_FOUND, `link "${link.id}" has no entry ${req.uptoSeq}`);
    if (req.uptoHash !== undefined && req.uptoHash !== target.hash) {
      throw new AppError(ErrorCode.CONFLICT, `entry ${req.uptoSeq} has another hash than the one quoted`, { details: { hash: target.hash } });
    }
    if (req.sig && req.uptoHash === undefined) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'a signed receipt quotes uptoHash');
    }
    const signing = await this.#sigs.check(principal, kind === 'read' ? 'hotline:read' : 'hotline:delivered', req, req.sig);
    const actor = { userId: principal.userId, role: principal.role, postId };
    const outcome = await this.#sigs.append<ReceiptResult>(link.id, signing, actor, this.#receipts.reads(link.id, postId), ({ values }) => {
      const { delivered, read } = this.#receipts.decode(values);
      const current = kind === 'read' ? read : Math.max(delivered, read);
      if (req.uptoSeq <= current) return { write: false, result: { entry: null, uptoSeq: current } };
      return {
        write: true,
        draft: {
          linkId: link.id,
          type: 'receipt',
          actor,
          drill: principal.drillOnly,
          payload: { kind, postId, uptoSeq: req.uptoSeq, uptoHash: target.hash },
        },
        project: () => this.#receipts.advance(link.id, postId, kind, req.uptoSeq, delivered),
        result: (entry) => ({ entry, uptoSeq: req.uptoSeq }),
      };
    });
    if (outcome.kind === 'appended') this.#broadcast.entry(outcome.entry);
    return outcome.result;
  }

  /**
   * Everything after each cursor, in seq order per link, at most `limit` entries in all. `hasMore` says
   * to call again with the new cursors. Also returns each link's head, so a client can tell a gap or a
   * rewritten log from a quiet one.
   */
  async sync(principal: Principal, req: z.output<typeof SyncRequest>): Promise<SyncResult> {
    const linkIds = Object.keys(req.cursors);
    for (const id of linkIds) this.#topo.readableLink(principal, id);
    const [heads, checkpoints] = await Promise.all([this.#log.heads(linkIds), this.#checkpoints.latest(linkIds)]);
    // Plan every link's page from the heads first, then read them all at once (the reads are
    // pipelined: one round trip for a console that follows hundreds of links, not one per link).
    const plan: { id: string; cursor: number; take: number; head: number }[] = [];
    let hasMore = false;
    let remaining = req.limit;
    for (const id of linkIds) {
      const cursor = req.cursors[id]!;
      const head = heads.get(id)!;
      if (head.seq <= cursor) continue;
      if (remaining === 0) {
        hasMore = true;
        break;
      }
      const take = Math.min(remaining, head.seq - cursor);
      plan.push({ id, cursor, take, head: head.seq });
      remaining -= take;
    }
    const pages = await Promise.all(plan.map((p) => this.#log.range(p.id, p.cursor, p.take)));
    const entries: Entry[] = [];
    plan.forEach((p, i) => {
      const page = pages[i]!;
      entries.push(...page);
      const last = page.length > 0 ? page[page.length - 1]!.seq : p.cursor;
      if (last < p.head) hasMore = true;
    });
    return {
      entries,
      hasMore,
      heads: Object.fromEntries([...heads].map(([id, head]) => [id, toLinkHead(head)])),
      checkpoints,
    };
  }

  /** Per link the caller may read: head, and each post's delivered/read cursors and unread message count. */
  async linkSummaries(principal: Principal): Promise<LinkSummary[]> {
    const links = this.#topo.readableLinkIds(principal).map((id) => this.#topo.link(id)!);
    const [heads, receipts] = await Promise.all([this.#log.heads(links.map((l) => l.id)), this.#receipts.state(links)]);
    return links.map((l) => ({ linkId: l.id, head: toLinkHead(heads.get(l.id)!), posts: receipts.get(l.id)! }));
  }
}

export interface LinkSummary {
  linkId: string;
  head: LinkHead;
  posts: Record<string, PostReceiptState>;
}
