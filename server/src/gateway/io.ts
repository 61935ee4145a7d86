import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { ErrorCode, type Checkpoint, type Entry, type Escalation, type Presence } from '@hotline/shared';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../store/redis.js';
import type { SessionService } from '../service/session-service.js';
import type { Broadcaster } from '../service/broadcaster.js';
import type { LoadShedder } from './load-shed.js';
import type { HotlineServer, HotlineSocket } from './types.js';

export interface GatewayOptions {
  httpServer: HttpServer;
  pub: RedisClient;
  sub: RedisClient;
  topo: TopologyIndex;
  /** The principal of a handshake's token (SessionService.authenticate), or a rejection. */
  authenticate: SessionService['authenticate'];
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
  /** permessage-deflate on WebSocket frames over 256 bytes. */
  wsCompression?: boolean;
  /** Refuses handshakes (retryable UNAVAILABLE) when the node takes too many at once. */
  shedder?: LoadShedder;
}

/** Rooms: one per link, per post, per user and per session. */
export const rooms = {
  link: (id: string) => `link:${id}`,
  post: (id: string) => `post:${id}`,
  user: (id: string) => `user:${id}`,
  session: (sid: string) => `session:${sid}`,
};

/** Socket.IO server with the Redis adapter and token authentication. Event groups register on `onConnection`. */
export function createIo(options: GatewayOptions): HotlineServer {
  const { authenticate, log } = options;
  const io: HotlineServer = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: options.maxPayloadBytes,
    // Bounded zlib memory per connection (a 2 KiB window still holds the entry an ack just carried,
    // which the echo repeats): about 16 KiB per console instead of ~140 KiB at zlib's defaults.
    perMessageDeflate: options.wsCompression ? { threshold: 256, serverMaxWindowBits: 11, zlibDeflateOptions: { memLevel: 4 } } : false,
    pingInterval: options.pingInterval,
    pingTimeout: options.pingTimeout,
    cors: { origin: options.corsOrigin && options.corsOrigin.length > 0 ? options.corsOrigin : false },
    adapter: options.sharded
      ? createShardedAdapter(options.pub, options.sub, { channelPrefix: 'hotline-io', subscriptionMode: 'dynamic' })
      : createAdapter(options.pub, options.sub, { key: 'hotline-io' }),
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const ua = socket.handshake.headers['user-agent'];
    authenticate(auth?.token, { device: typeof ua === 'string' ? ua : '', address: socket.handshake.address })
      .then((principal) => {
        const retryAfterMs = options.shedder?.admitConnection();
        if (retryAfterMs !== undefined && retryAfterMs !== null) {
          const err = new Error(ErrorCode.UNAVAILABLE) as Error & { data?: unknown };
          err.data = { code: ErrorCode.UNAVAILABLE, reason: 'busy', retryAfterMs };
          return next(err);
        }
        socket.data.principal = principal;
        socket.data.member = `${options.nodeId}/${socket.id}`;
        next();
      })
      .catch((cause: unknown) => {
        const reason = cause instanceof Error ? cause.message : 'invalid token';
        const err = new Error(ErrorCode.UNAUTHENTICATED) as Error & { data?: unknown };
        err.data = { code: ErrorCode.UNAUTHENTICATED, reason };
        log.info({ reason, address: socket.handshake.address }, 'socket refused');
        next(err);
      });
  });
  return io;
}

/** Joins a new socket to its rooms and drops it when its token expires. */
export function setUpSocket(socket: HotlineSocket, topo: TopologyIndex, log: Logger): void {
  const principal = socket.data.principal;
  void socket.join([
    ...topo.readableLinkIds(principal).map(rooms.link),
    rooms.user(principal.userId),
    ...(principal.sessionId ? [rooms.session(principal.sessionId)] : []),
    ...(principal.postId ? [rooms.post(principal.postId)] : []),
  ]);
  const left = principal.expiresAt - Date.now();
  if (left < 2 ** 31 - 1) {
    const timer = setTimeout(() => socket.disconnect(true), Math.max(0, left));
    socket.once('disconnect', () => clearTimeout(timer));
  }
  log.debug({ socketId: socket.id, userId: principal.userId }, 'socket connected');
}

/** Joins every socket of this node to the link rooms the configuration now allows, and leaves the others. */
export function refreshRooms(io: HotlineServer, topo: TopologyIndex): void {
  const all = new Set(topo.links.map((l) => rooms.link(l.id)));
  for (const socket of io.of('/').sockets.values()) {
    const principal = socket.data.principal;
    if (!principal) continue;
    const readable = new Set(topo.readableLinkIds(principal).map(rooms.link));
    for (const room of socket.rooms) if (room.startsWith('link:') && (!readable.has(room) || !all.has(room))) void socket.leave(room);
    for (const room of readable) if (!socket.rooms.has(room)) void socket.join(room);
  }
}

/** Closes this node's sockets of revoked sessions and disabled users. */
export function socketCutter(io: HotlineServer): { closeSessions(sids: readonly string[]): void; closeUsers(userIds: readonly string[]): void } {
  return {
    closeSessions: (sids) => {
      if (sids.length > 0) io.local.in(sids.map(rooms.session)).disconnectSockets(true);
    },
    closeUsers: (userIds) => {
      if (userIds.length > 0) io.local.in(userIds.map(rooms.user)).disconnectSockets(true);
    },
  };
}

/**
 * Broadcasts through the Socket.IO rooms. The Redis adapter relays to the other nodes, except for
 * entries just appended: those reach the other nodes with their append's own publish, and each node
 * pushes them to its consoles (`fromOtherNode`).
 */
export class IoBroadcaster implements Broadcaster {
  constructor(readonly io: HotlineServer) {}
  entry(entry: Entry, exceptSocket?: string): void {
    // Socket.IO encodes a packet before it looks for its recipients: where the sending console is the
    // link's only one on this node (its peer post's console on another node), that is an entry's JSON
    // for nobody, so look first.
    const here = this.#localRoom(entry.linkId);
    if (!here || here.size === 0 || (here.size === 1 && exceptSocket !== undefined && here.has(exceptSocket))) return;
    const to = this.io.local.to(rooms.link(entry.linkId));
    (exceptSocket ? to.except(exceptSocket) : to).emit('entry', entry);
  }
  /** Whether a console on this node may read the link (is in its room). */
  followedHere(linkId: string): boolean {
    return (this.#localRoom(linkId)?.size ?? 0) > 0;
  }
  #localRoom(linkId: string): ReadonlySet<string> | undefined {
    return this.io.of('/').adapter.rooms.get(rooms.link(linkId));
  }
  entryAgain(entry: Entry): void {
    this.io.to(rooms.link(entry.linkId)).emit('entry', entry);
  }
  /** Entries another node appended (from their append's publish), to this node's consoles, in order. */
  fromOtherNode(entries: readonly Entry[]): void {
    for (const entry of entries) this.io.local.to(rooms.link(entry.linkId)).emit('entry', entry);
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
