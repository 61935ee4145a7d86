import { KeyRegisterRequest } from '@hotline/shared';
import type { SignatureService } from '../service/signature-service.js';
import { route, type Route } from './handle.js';

/** key:register. */
export function keyRoutes(signatures: SignatureService): [string, Route][] {
  return [['key:register', route(KeyRegisterRequest, (req, { principal }) => signatures.register(principal, req))]];
}
