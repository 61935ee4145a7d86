import type { SignatureService } from '../service/signature-service.js';
import type { Routes } from './handle.js';

/** key:register. */
export function keyEvents(signatures: SignatureService): Routes<'key:register'> {
  return { 'key:register': (req, { principal }) => signatures.register(principal, req) };
}
