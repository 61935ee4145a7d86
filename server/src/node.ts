import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { TokenSigner } from './auth/tokens.js';
import { TopologyIndex } from './domain/topology-index.js';
import { createIo, IoBroadcaster, setUpSocket } from './gateway/io.js';
import { registerHotlineEvents } from './gateway/hotline.js';
import { registerAlertEvents } from './gateway/alerts.js';
import { alertRoutes } from './http/alerts.js';
import { drillRoutes } from './http/drill.js';
import { EscalationScheduler } from './escalation/queue.js';
import { startEscalationWorker } from './escalation/worker.js';
import { AlertService } from './service/alert-service.js';
import { EscalationService } from './service/escalation-service.js';
import { RedisAlertStore } from './store/alert-store.js';
import { RedisInboxStore } from './store/inbox.js';
import type { Worker } from 'bullmq';
import { createHttpApp } from './http/app.js';
import { AuthService } from './service/auth-service.js';
import { HotlineService } from './service/hotline-service.js';
import { PresenceService } from './service/presence-service.js';
import { Keys } from './store/keys.js';
import { RedisLinkLog } from './store/link-log.js';
import { RedisPresenceStore } from './store/presence.js';
import { createRedis } from './store/redis.js';
import { loadTopology } from './topology-file.js';

export interface HotlineNode {
  readonly url: string;
  readonly port: number;
  readonly httpServer: HttpServer;
  /** Graceful stop: refuse new connections, let in-flight work finish, close workers and Redis. */
  close(): Promise<void>;
}

/** Composes one server node: HTTP, Socket.IO, stores and services, all on one Redis. */
export async function startNode(config: Config, log: Logger): Promise<HotlineNode> {
  const topology = loadTopology(config.HOTLINE_TOPOLOGY);
  const topo = new TopologyIndex(topology);
  const keys = new Keys(config.HOTLINE_REDIS_PREFIX);
  const redis = createRedis(config.REDIS_URL, log, `${config.HOTLINE_NODE_ID}:cmd`);
  const pub = createRedis(config.REDIS_URL, log, `${config.HOTLINE_NODE_ID}:pub`);
  const sub = createRedis(config.REDIS_URL, log, `${config.HOTLINE_NODE_ID}:sub`);
  await Promise.all([redis.ping(), pub.ping(), sub.ping()]);

  const tokens = new TokenSigner(config.HOTLINE_TOKEN_SECRET, config.HOTLINE_TOKEN_TTL);
  // Express gets every request Socket.IO does not take: engine.io only passes on the 'request' listeners
  // that exist when it attaches, so the app is wired in here and bound once it is built (below). Added
  // later as a listener of its own, it would also answer /socket.io/ polling requests and crash the node
  // (ERR_HTTP_HEADERS_SENT).
  let app: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const httpServer = createServer((req, res) => app!(req, res));
  const gatewayLog = log.child({ room: 'gateway' });
  const io = createIo({
    httpServer,
    pub,
    sub,
    topo,
    tokens,
    presence: new RedisPresenceStore(redis, keys, config.HOTLINE_PRESENCE_TTL),
    nodeId: config.HOTLINE_NODE_ID,
    maxPayloadBytes: config.HOTLINE_MAX_PAYLOAD_BYTES,
    log: gatewayLog,
  });
  const broadcaster = new IoBroadcaster(io);
  const linkLog = new RedisLinkLog(redis, keys);
  const headSub = createRedis(config.REDIS_URL, log, `${config.HOTLINE_NODE_ID}:heads`);
  await linkLog.followHeads(headSub);
  const hotline = new HotlineService({ topo, log: linkLog, keys, broadcaster });
  const presence = new PresenceService({
    store: new RedisPresenceStore(redis, keys, config.HOTLINE_PRESENCE_TTL),
    topo,
    broadcaster,
    log: log.child({ room: 'presence' }),
  });
  const auth = new AuthService(topo, tokens);

  // Escalation timers: BullMQ needs connections that retry forever (maxRetriesPerRequest: null).
  const bullRedis = createRedis(config.REDIS_URL, log, `${config.HOTLINE_NODE_ID}:bull`, { maxRetriesPerRequest: null });
  const escalationLog = log.child({ room: 'escalation' });
  const scheduler = new EscalationScheduler(bullRedis, keys.bullPrefix, escalationLog);
  const alertStore = new RedisAlertStore(redis, keys);
  const escalations = new EscalationService({
    topo,
    log: linkLog,
    alerts: alertStore,
    inbox: new RedisInboxStore(redis, keys),
    scheduler,
    broadcaster,
    logger: escalationLog,
  });
  const alerts = new AlertService({
    topo,
    log: linkLog,
    alerts: alertStore,
    scheduler,
    presence,
    broadcaster,
    logger: log.child({ room: 'alerts' }),
  });
  let worker: Worker | undefined;
  if (config.HOTLINE_WORKERS) {
    worker = startEscalationWorker({
      connection: bullRedis,
      prefix: keys.bullPrefix,
      concurrency: config.HOTLINE_WORKER_CONCURRENCY,
      service: escalations,
      log: escalationLog,
    });
  }

  io.on('connection', (socket) => {
    const principal = socket.data.principal;
    const socketLog = gatewayLog.child({ socketId: socket.id, userId: principal.userId });
    setUpSocket(socket, topo, socketLog);
    registerHotlineEvents(socket, socketLog, hotline);
    registerAlertEvents(socket, socketLog, alerts, escalations);
    socket.on('disconnect', () => {
      presence.disconnected(principal, socket.data.member).catch((err: unknown) => socketLog.warn({ err }, 'presence leave failed'));
    });
    presence
      .connected(principal, socket.data.member)
      .then(() => presence.snapshotFor(principal))
      .then((states) => {
        for (const state of states) socket.emit('presence', state);
      })
      .catch((err: unknown) => socketLog.warn({ err }, 'presence join failed'));
  });

  app = createHttpApp({
    auth,
    hotline,
    presence,
    log: log.child({ room: 'http' }),
    consoleDir: config.HOTLINE_CONSOLE_DIR,
    ready: async () => {
      await redis.ping();
      if (worker && !worker.isRunning()) throw new Error('escalation worker is not running');
    },
    extend: (api, requireAuth) => {
      alertRoutes(api, requireAuth, alerts, escalations);
      drillRoutes(api, requireAuth, topo, tokens);
    },
  });

  // Periodic work on every node: presence refresh and sweep, and repair of lost escalation timers.
  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    Promise.all([
      presence.tick().catch((err: unknown) => log.warn({ err }, 'presence sweep failed')),
      config.HOTLINE_WORKERS
        ? escalations.repair(Math.max(2000, config.HOTLINE_SWEEP_INTERVAL)).catch((err: unknown) => log.warn({ err }, 'timer repair failed'))
        : undefined,
    ]).finally(() => {
      ticking = false;
    });
  }, Math.max(100, Math.min(config.HOTLINE_SWEEP_INTERVAL, config.HOTLINE_PRESENCE_TTL / 3)));
  ticker.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    httpServer,
    close() {
      closing ??= (async () => {
        clearInterval(ticker);
        httpServer.close();
        await presence.leaveAll().catch(() => undefined);
        io.disconnectSockets(true);
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await worker?.close();
        await scheduler.close();
        await Promise.allSettled([redis.quit(), pub.quit(), sub.quit(), headSub.quit(), bullRedis.quit()]);
      })();
      return closing;
    },
  };
}
