import { KeyRegisterRequest } from '@hotline/shared';
import type { SignatureService } from '../service/signature-service.js';
import { handle, type GatewayContext } from './handle.js';
import type { HotlineSocket } from './types.js';

/** key:register. */
export function registerKeyEvents(socket: HotlineSocket, ctx: GatewayContext, signatures: SignatureService): void {
  handle(socket, ctx, 'key:register', KeyRegisterRequest, (req, { principal }) => signatures.register(principal, req));
}
