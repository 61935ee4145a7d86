import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';

export interface SocketData {
  principal: Principal;
  /** "<nodeId>/<socketId>": this console in the presence sets. */
  member: string;
}

type NoInterServerEvents = Record<string, never>;
export type HotlineServer = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type HotlineSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
