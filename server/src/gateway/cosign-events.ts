import type { CosignService } from '../service/cosign-service.js';
import type { Routes } from './handle.js';

/** checkpoint:cosign. */
export function cosignEvents(cosign: CosignService): Routes<'checkpoint:cosign'> {
  return { 'checkpoint:cosign': (req, { principal }) => cosign.cosign(principal, req) };
}
