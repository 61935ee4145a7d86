import type { Request, Router } from 'express';
import { AppError, ErrorCode } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { ArchiveService } from '../service/archive-service.js';

/**
 * POST /api/archive (admins): runs a round of the archive mover now, as the timer would, and answers
 * what moved per link. 503 UNAVAILABLE when no archive is configured.
 */
export function archiveRoutes(api: Router, requireAuth: (req: Request) => Principal, archiver: ArchiveService | undefined): void {
  api.post('/archive', async (req, res) => {
    const principal = requireAuth(req);
    if (principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'only admins run the archive mover');
    if (!archiver) throw new AppError(ErrorCode.UNAVAILABLE, 'no archive is configured (ARCHIVE_DATABASE_URL)');
    res.json({ results: await archiver.tick() });
  });
}
