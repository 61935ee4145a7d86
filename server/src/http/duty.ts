import type { Request, Router } from 'express';
import { AppError, ErrorCode, HandoverRequest, OnDuty, type DutyResponse, type HandoverResult } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Broadcaster } from '../service/broadcaster.js';
import type { SignatureService } from '../service/signature-service.js';
import type { Keys } from '../store/keys.js';
import { decodeStored } from '../store/decode.js';
import type { RedisClient } from '../store/redis.js';
import { validationError } from '../wire-error.js';

/**
 * Who is on duty at each post: a shift handover is a signed duty.handover entry on every link of the
 * post, so both ends see it (and the record keeps it); GET /api/duty answers, for every link the caller
 * reads, who is on duty at each end and since when.
 */
export function dutyRoutes(
  api: Router,
  requireAuth: (req: Request) => Principal,
  deps: { topo: TopologyIndex; signatures: SignatureService; broadcaster: Broadcaster; redis: RedisClient; keys: Keys },
): void {
  const { topo, signatures, keys } = deps;

  api.post('/duty/handover', async (req, res) => {
    const principal = requireAuth(req);
    const parsed = HandoverRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error.issues);
    const { postId, to, note, sigs } = parsed.data;
    if (principal.role !== 'operator' || principal.postId !== postId) throw new AppError(ErrorCode.FORBIDDEN, 'only an operator of the post hands its shift over');
    const next = topo.user(to);
    if (!next || next.role !== 'operator' || next.post !== postId || next.disabled) throw new AppError(ErrorCode.VALIDATION_FAILED, `"${to}" is not an active operator of post ${postId}`, { details: { fields: [{ field: 'to', message: 'not an operator of this post' }] } });
    const links = topo.linksOfPost(postId);
    const written: { linkId: string; seq: number }[] = [];
    for (const link of links) {
      const signing = await signatures.check(principal, 'duty:handover', { linkId: link.id, postId, to, note }, sigs[link.id]);
      const actor = { userId: principal.userId, role: principal.role, postId };
      const key = keys.linkDuty(link.id);
      const outcome = await signatures.append(link.id, signing, actor, [{ key, field: postId }], (snapshot) => {
        const current = snapshot.values[0] ? decodeStored(OnDuty, snapshot.values[0], `duty of ${postId} on ${link.id}`) : null;
        return {
          write: true,
          draft: { linkId: link.id, type: 'duty.handover', actor, drill: principal.drillOnly, payload: { postId, from: current?.userId ?? null, to, note } },
          project: (entry) => [{ op: 'HSET', key, field: postId, value: JSON.stringify({ userId: to, since: entry.ts, seq: entry.seq, note } satisfies OnDuty) }],
          result: (entry) => entry.seq,
        };
      });
      if (outcome.kind === 'appended') {
        deps.broadcaster.entry(outcome.entry);
        written.push({ linkId: link.id, seq: outcome.entry.seq });
      }
    }
    res.json({ postId, onDuty: to, entries: written } satisfies HandoverResult);
  });

  api.get('/duty', async (req, res) => {
    const principal = requireAuth(req);
    const out: DutyResponse['duty'] = [];
    for (const id of topo.readableLinkIds(principal)) {
      const link = topo.link(id);
      if (!link) continue;
      const stored = await deps.redis.hgetall(keys.linkDuty(id));
      out.push({ linkId: id, posts: Object.fromEntries(link.posts.map((p) => [p, stored[p] ? decodeStored(OnDuty, stored[p], `duty of ${p} on ${id}`) : null])) });
    }
    res.json({ duty: out } satisfies DutyResponse);
  });
}
