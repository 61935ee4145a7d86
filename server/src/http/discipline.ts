import type { Request, Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode, LinkId, durations, type MessageDeadline, type LineCheck } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import { validationError } from '../wire-error.js';
import type { LineCheckService } from '../service/linecheck-service.js';
import type { PrecedenceService } from '../service/precedence-service.js';
import type { DeadlineStore } from '../store/deadline-store.js';

const PeriodQuery = z.strictObject({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  link: LinkId.optional(),
});

/** Per link and period: line checks answered and missed, acknowledgement of flash and immediate traffic. */
export function disciplineReport(links: string[], checks: Map<string, LineCheck[]>, deadlines: Map<string, MessageDeadline[]>, period: { from: number; to: number }) {
  const perLink: Record<string, unknown> = {};
  for (const id of links) {
    const cs = checks.get(id) ?? [];
    const answeredBy: Record<string, number> = {};
    const missedBy: Record<string, number> = {};
    for (const c of cs) {
      for (const p of c.posts) {
        if (c.answers[p]) answeredBy[p] = (answeredBy[p] ?? 0) + 1;
        else if (c.state === 'closed') missedBy[p] = (missedBy[p] ?? 0) + 1;
      }
    }
    const ds = deadlines.get(id) ?? [];
    const byPrecedence: Record<string, unknown> = {};
    for (const precedence of [...new Set(ds.map((d) => d.precedence))]) {
      const mine = ds.filter((d) => d.precedence === precedence && !d.drill);
      byPrecedence[precedence] = {
        sent: mine.length,
        acknowledged: mine.filter((d) => d.state === 'acknowledged').length,
        awaiting: mine.filter((d) => d.state === 'awaiting').length,
        escalated: mine.filter((d) => d.step > 0).length,
        ackTimes: durations(mine.filter((d) => d.acknowledgedAt !== undefined).map((d) => d.acknowledgedAt! - d.sentAt)),
      };
    }
    perLink[id] = {
      lineChecks: {
        held: cs.length,
        late: cs.filter((c) => c.late).length,
        open: cs.filter((c) => c.state === 'open').length,
        fullyAnswered: cs.filter((c) => c.state === 'closed' && c.missed.length === 0).length,
        answeredBy,
        missedBy,
        faults: cs.filter((c) => c.alertId !== null).length,
      },
      precedence: byPrecedence,
    };
  }
  return { from: period.from, to: period.to, links: perLink };
}

/** GET /api/deadlines, GET /api/linechecks, GET /api/reports/discipline. */
export function disciplineRoutes(
  api: Router,
  requireAuth: (req: Request) => Principal,
  deps: { topo: TopologyIndex; precedence: PrecedenceService; lineChecks: LineCheckService; deadlines: DeadlineStore },
): void {
  const period = (req: Request, principal: Principal) => {
    const q = PeriodQuery.safeParse(req.query);
    if (!q.success) throw validationError(q.error.issues);
    const to = q.data.to ?? Date.now();
    const from = q.data.from ?? to - 24 * 3_600_000;
    if (from > to) throw new AppError(ErrorCode.VALIDATION_FAILED, 'from must not be after to');
    const links = q.data.link ? [deps.topo.readableLink(principal, q.data.link).id] : [...deps.topo.readableLinkIds(principal)];
    return { from, to, links };
  };

  api.get('/deadlines', async (req, res) => {
    res.json({ deadlines: await deps.precedence.awaiting(requireAuth(req)) });
  });

  api.get('/linechecks', async (req, res) => {
    const principal = requireAuth(req);
    const p = period(req, principal);
    const all = await Promise.all(p.links.map((id) => deps.lineChecks.between(id, p.from, p.to)));
    res.json({ lineChecks: all.flat().sort((a, b) => b.startedAt - a.startedAt) });
  });

  api.get('/reports/discipline', async (req, res) => {
    const principal = requireAuth(req);
    if (principal.role === 'operator') throw new AppError(ErrorCode.FORBIDDEN, 'reports are for monitors, commanders and admins');
    const p = period(req, principal);
    const checks = new Map<string, LineCheck[]>();
    const deadlines = new Map<string, MessageDeadline[]>();
    for (const id of p.links) {
      checks.set(id, await deps.lineChecks.between(id, p.from, p.to));
      deadlines.set(id, await deps.deadlines.between(id, p.from, p.to));
    }
    res.json(disciplineReport(p.links, checks, deadlines, p));
  });
}
