import type { Request, Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode, LinkId, incidentReportCsv } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import { validationError } from '../wire-error.js';
import type { CheckpointService } from '../service/checkpoint-service.js';
import type { ExportService } from '../service/export-service.js';
import type { ReportService } from '../service/report-service.js';

const ExportQuery = z.strictObject({
  fromSeq: z.coerce.number().int().min(1).optional(),
  toSeq: z.coerce.number().int().min(1).optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});

/** The verifiable record: server key, checkpoints, export. */
export function recordRoutes(api: Router, requireAuth: (req: Request) => Principal, exporter: ExportService, checkpoints: CheckpointService): void {
  api.get('/server-key', (_req, res) => {
    res.json(checkpoints.serverKey);
  });

  api.post('/checkpoints', async (req, res) => {
    const principal = requireAuth(req);
    if (principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'only admins trigger checkpoints');
    res.json({ made: await checkpoints.checkpointAll() });
  });

  api.get('/links/:linkId/export', async (req, res) => {
    const principal = requireAuth(req);
    const linkId = LinkId.safeParse(req.params.linkId);
    if (!linkId.success) throw validationError(linkId.error.issues);
    const query = ExportQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error.issues);
    exporter.authorize(principal, linkId.data);
    res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${linkId.data}-${Date.now()}.ndjson"`);
    for await (const line of exporter.lines(principal, linkId.data, query.data)) {
      if (!res.write(`${line}\n`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });
}

const ReportQuery = z.strictObject({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  link: LinkId.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

/** GET /api/reports/incidents?from=&to=&link=&format=json|csv (default: the last 24 hours). */
export function reportRoutes(api: Router, requireAuth: (req: Request) => Principal, reports: ReportService, maxLevels: number): void {
  api.get('/reports/incidents', async (req, res) => {
    const principal = requireAuth(req);
    const q = ReportQuery.safeParse(req.query);
    if (!q.success) throw validationError(q.error.issues);
    const to = q.data.to ?? Date.now();
    const from = q.data.from ?? to - 24 * 3_600_000;
    if (from > to) throw new AppError(ErrorCode.VALIDATION_FAILED, 'from must not be after to');
    const report = await reports.incidents(principal, { from, to, link: q.data.link });
    if (q.data.format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="incidents-${from}-${to}.csv"`);
      res.send(incidentReportCsv(report, maxLevels));
    } else {
      res.json(report);
    }
  });
}
