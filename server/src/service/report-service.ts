import { AppError, ErrorCode, incidentReport, type Alert, type IncidentReport } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { AlertStore } from '../store/alert-store.js';

/** Incident reports from the alert state kept beside each log (the same figures an export gives offline). */
export class ReportService {
  constructor(readonly deps: { topo: TopologyIndex; alerts: AlertStore }) {}

  async incidents(principal: Principal, query: { from: number; to: number; link?: string | undefined }): Promise<IncidentReport> {
    if (principal.role === 'operator') throw new AppError(ErrorCode.FORBIDDEN, 'reports are for monitors, commanders and admins');
    const linkIds = query.link ? [this.deps.topo.readableLink(principal, query.link).id] : [...this.deps.topo.readableLinkIds(principal)];
    const alerts: Alert[] = [];
    for (const id of linkIds) {
      // Page through the alerts raised since `from`, newest first, until past the period.
      alerts.push(...(await this.deps.alerts.list(id, { since: query.from, limit: 100_000 })).filter((a) => a.raisedAt <= query.to));
    }
    return incidentReport(alerts, { from: query.from, to: query.to }, linkIds);
  }
}
