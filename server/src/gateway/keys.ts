import { KeyRegisterRequest } from '@hotline/shared';
import type { Logger } from '../log.js';
import type { SignatureService } from '../service/signature-service.js';
import { handle, type EventObserver } from './handle.js';
import type { HotlineSocket } from './types.js';

/** key:register. */
export function registerKeyEvents(socket: HotlineSocket, log: Logger, signatures: SignatureService, observe?: EventObserver): void {
  handle(socket, log, 'key:register', KeyRegisterRequest, (req, { principal }) => signatures.register(principal, req), observe);
}
