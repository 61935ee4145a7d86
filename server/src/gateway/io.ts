import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { ErrorCode, type Checkpoint, type Entry, type Escalation, type Presence } from '@hotline/shared';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../store/redis.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { Broadcaster } from '../service/broadcaster.js';
import type { HotlineServer, HotlineSocket } from './types.js';

export interface GatewayOptions {
  httpServer: HttpServer;
  pub: RedisClient;
  sub: RedisClient;
  topo: TopologyIndex;
  tokens: TokenSigner;
  nodeId: string;
  maxPayloadBytes: number;
  /** Engine.IO heartbeat: ping every `pingInterval` ms, drop a socket whose pong is `pingTimeout` ms late. */
  pingInterval: number;
  pingTimeout: number;
  /** Redis Cluster: relay through sharded pub/sub (SPUBLISH), one channel per room. */
  sharded?: boolean;
  log: Logger;
  /** Origins allowed to open sockets from another origin. */
  corsOrigin?: string[];
}

/** Rooms: one per link, per post and per user. */
export const rooms = {
  link: (id: string) => `link:${id}`,
  post: (id: string) => `post:${id}`,
  user: (id: string) => `user:${id}`,
};

/** Socket.IO server with the Redis adapter and token authentication. Event groups register on `onConnection`. */
export function createIo(options: GatewayOptions): HotlineServer {
  const { topo, tokens, log } = options;
  const io: HotlineServer = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: options.maxPayloadBytes,
    pingInterval: options.pingInterval,
    pingTimeout: options.pingTimeout,
    cors: { origin: options.corsOrigin && options.corsOrigin.length > 0 ? options.corsOrigin : false },
    adapter: options.sharded
      ? createShardedAdapter(options.pub, options.sub, { channelPrefix: 'hotline-io', subscriptionMode: 'dynamic' })
      : createAdapter(options.pub, options.sub, { key: 'hotline-io' }),
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const check = tokens.verify(auth?.token);
    const refuse = (reason: string) => {
      const err = new Error(ErrorCode.UNAUTHENTICATED) as Error & { data?: unknown };
      err.data = { code: ErrorCode.UNAUTHENTICATED, reason };
      log.info({ reason, address: socket.handshake.address }, 'socket refused');
      next(err);
    };
    if (!check.ok) return refuse(check.reason);
    const user = topo.user(check.claims.sub);
    if (!user || user.role !== check.claims.role) return refuse('unknown user');
    socket.data.principal = topo.principalFor(user, check.claims);
    socket.data.member = `${options.nodeId}/${socket.id}`;
    next();
  });
  return io;
}

/** Joins a new socket to its rooms and drops it when its token expires. */
export function setUpSocket(socket: HotlineSocket, topo: TopologyIndex, log: Logger): void {
  const principal = socket.data.principal;
  void socket.join([
    ...topo.readableLinkIds(principal).map(rooms.link),
    rooms.user(principal.userId),
    ...(principal.postId ? [rooms.post(principal.postId)] : []),
  ]);
  const left = principal.expiresAt - Date.now();
  if (left < 2 ** 31 - 1) {
    const timer = setTimeout(() => socket.disconnect(true), Math.max(0, left));
    socket.once('disconnect', () => clearTimeout(timer));
  }
  log.debug({ socketId: socket.id, userId: principal.userId }, 'socket connected');
}

/** Broadcasts through the Socket.IO rooms; the Redis adapter relays to the other nodes. */
export class IoBroadcaster implements Broadcaster {
  constructor(readonly io: HotlineServer) {}
  entry(entry: Entry): void {
    this.io.to(rooms.link(entry.linkId)).emit('entry', entry);
  }
  escalation(userId: string, escalation: Escalation): void {
    this.io.to(rooms.user(userId)).emit('escalation', escalation);
  }
  presence(presence: Presence, linkIds: readonly string[]): void {
    if (linkIds.length > 0) this.io.to(linkIds.map(rooms.link)).emit('presence', presence);
  }
  checkpoint(checkpoint: Checkpoint): void {
    this.io.to(rooms.link(checkpoint.linkId)).emit('checkpoint', checkpoint);
  }
}
