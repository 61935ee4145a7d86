import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { redisTarget, type Config } from './config.js';
import type { Logger } from './log.js';
import { TokenSigner } from './auth/tokens.js';
import { TopologyIndex } from './domain/topology-index.js';
import { EscalationScheduler } from './escalation/queue.js';
import { startEscalationWorker } from './escalation/worker.js';
import { alertEvents } from './gateway/alert-events.js';
import { hotlineEvents } from './gateway/hotline-events.js';
import { createIo, IoBroadcaster, setUpSocket } from './gateway/io.js';
import { keyEvents } from './gateway/key-events.js';
import { alertRoutes } from './http/alerts.js';
import { createHttpApp } from './http/app.js';
import { preferencesRoutes } from './http/preferences.js';
import { drillRoutes } from './http/drill.js';
import { recordRoutes, reportRoutes } from './http/records.js';
import { AlertService } from './service/alert-service.js';
import { AuthService } from './service/auth-service.js';
import { CheckpointService, loadServerKey } from './service/checkpoint-service.js';
import { EscalationService } from './service/escalation-service.js';
import { ExportService } from './service/export-service.js';
import { HotlineService } from './service/hotline-service.js';
import { PresenceService } from './service/presence-service.js';
import { PrecedenceService } from './service/precedence-service.js';
import { LineCheckService } from './service/linecheck-service.js';
import { RedisDeadlineStore } from './store/deadline-store.js';
import { disciplineRoutes } from './http/discipline.js';
import { ReportService } from './service/report-service.js';
import { SignatureService } from './service/signature-service.js';
import { RedisAlertStore } from './store/alert-store.js';
import { RedisCheckpointStore } from './store/checkpoint-store.js';
import { RedisInboxStore } from './store/inbox.js';
import { RedisKeyRegistry } from './store/key-registry.js';
import { Keys } from './store/keys.js';
import { RedisLineCheckStore } from './store/linecheck-store.js';
import { RedisLinkLog } from './store/link-log.js';
import { RedisPresenceStore } from './store/presence.js';
import { RedisPreferencesStore } from './store/preferences.js';
import { RedisReceiptStore } from './store/receipt-store.js';
import { createRedis } from './store/redis.js';
import { loadTopology } from './topology-file.js';
import { Admission } from './gateway/admission.js';
import { serve, type GatewayContext, type RouteTable } from './gateway/handle.js';
import { mountQueueDashboard } from './http/queues.js';
import { Metrics } from './metrics.js';
import { BatchedRateLimiter, RedisRateLimits, parseLimit } from './store/rate-limits.js';

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
  const node = config.HOTLINE_NODE_ID;
  const target = redisTarget(config);
  let metrics: Metrics | undefined;
  const redis = createRedis(target, log, `${node}:cmd`);
  const pub = createRedis(target, log, `${node}:pub`);
  const sub = createRedis(target, log, `${node}:sub`, { enableAutoPipelining: false });
  // BullMQ needs a connection that retries forever (maxRetriesPerRequest: null), without auto-pipelining.
  const bullRedis = createRedis(target, log, `${node}:bull`, { maxRetriesPerRequest: null, enableAutoPipelining: false });
  await Promise.all([redis.ping(), pub.ping(), sub.ping(), bullRedis.ping()]);

  const tokens = new TokenSigner(config.HOTLINE_TOKEN_SECRET, config.HOTLINE_TOKEN_TTL);
  // Socket.IO attaches to this server and passes every request that is not its own to this listener;
  // the Express app takes over once the services exist (until then: 503).
  let requestHandler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const httpServer = createServer((req, res) => requestHandler(req, res));
  const gatewayLog = log.child({ room: 'gateway' });
  const presenceStore = new RedisPresenceStore(redis, keys, config.HOTLINE_PRESENCE_TTL);
  const io = createIo({
    httpServer,
    pub,
    sub,
    topo,
    tokens,
    nodeId: node,
    maxPayloadBytes: config.HOTLINE_MAX_PAYLOAD_BYTES,
    pingInterval: config.HOTLINE_PING_INTERVAL,
    pingTimeout: config.HOTLINE_PING_TIMEOUT,
    sharded: target.mode === 'cluster',
    corsOrigin: config.HOTLINE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    log: gatewayLog,
  });
  const broadcaster = new IoBroadcaster(io);

  // Stores
  const linkLog = new RedisLinkLog(redis, keys, {
    onAppend: (entries) => {
      for (const e of entries) metrics?.entries.inc({ type: e.type });
    },
  });
  // Every node follows the heads other nodes append, so the two ends of a conversation on two nodes do
  // not keep losing the compare-and-set to each other.
  const headSub = createRedis(target, log, `${node}:heads`, { enableAutoPipelining: false });
  await linkLog.followHeads(headSub);
  const rateLimits = new RedisRateLimits(redis, keys);
  const alertStore = new RedisAlertStore(redis, keys);
  const deadlineStore = new RedisDeadlineStore(redis, keys);
  const checkpointStore = new RedisCheckpointStore(redis, keys);
  const keyRegistry = new RedisKeyRegistry(redis, keys);

  // Services
  const serverKey = await loadServerKey(checkpointStore, config.HOTLINE_SERVER_KEY);
  const checkpoints = new CheckpointService({
    store: checkpointStore,
    log: linkLog,
    topo,
    broadcaster,
    logger: log.child({ room: 'checkpoints' }),
    privateKey: serverKey.privateKey,
    serverKey: serverKey.info,
    nodeId: node,
  });
  const signatures = new SignatureService({
    registry: keyRegistry,
    log: linkLog,
    broadcaster,
    required: config.HOTLINE_SIGNATURES === 'required',
  });
  const escalationLog = log.child({ room: 'escalation' });
  const scheduler = new EscalationScheduler(bullRedis, keys.bullPrefix, escalationLog);
  const precedence = new PrecedenceService({
    onAcknowledged: (d) => metrics?.timeToAck.observe({ subject: 'message', drill: String(d.drill) }, (d.acknowledgedAt! - d.sentAt) / 1000),
    topo,
    log: linkLog,
    deadlines: deadlineStore,
    scheduler,
    signatures,
    broadcaster,
    logger: log.child({ room: 'precedence' }),
  });
  const hotline = new HotlineService({
    topo,
    log: linkLog,
    receipts: new RedisReceiptStore(redis, keys),
    broadcaster,
    signatures,
    checkpoints,
    precedence,
    onDelivered: (ms) => metrics?.sendToDeliver.observe(ms / 1000),
  });
  const presence = new PresenceService({ store: presenceStore, topo, broadcaster, log: log.child({ room: 'presence' }) });
  const lockout = parseLimit(config.HOTLINE_LOGIN_LOCKOUT);
  const auth = new AuthService(topo, tokens, { store: rateLimits, perAddress: parseLimit(config.HOTLINE_RATE_LOGIN), lockout });
  const escalations = new EscalationService({
    topo,
    log: linkLog,
    alerts: alertStore,
    deadlines: deadlineStore,
    inbox: new RedisInboxStore(redis, keys),
    scheduler,
    broadcaster,
    logger: escalationLog,
    observer: {
      escalated: (subject, drill, level, lateMs) => {
        metrics?.escalations.inc({ subject, level: String(level), drill: String(drill) });
        metrics?.lateness.observe(lateMs / 1000);
      },
    },
  });
  const alerts = new AlertService({
    onAcknowledged: (a) => metrics?.timeToAck.observe({ subject: 'alert', drill: String(a.drill) }, (a.acknowledgedAt! - a.raisedAt) / 1000),
    topo,
    log: linkLog,
    alerts: alertStore,
    scheduler,
    presence,
    broadcaster,
    signatures,
    logger: log.child({ room: 'alerts' }),
  });
  const exporter = new ExportService({ topo, log: linkLog, registry: keyRegistry, checkpoints });
  const lineChecks = new LineCheckService({
    topo,
    log: linkLog,
    checks: new RedisLineCheckStore(redis, keys),
    scheduler,
    signatures,
    alerts,
    presence,
    broadcaster,
    logger: log.child({ room: 'linechecks' }),
    lateAfterMs: Math.max(2000, 3 * config.HOTLINE_LINECHECK_TICK),
  });

  let worker: Worker | undefined;
  if (config.HOTLINE_WORKERS) {
    worker = startEscalationWorker({
      connection: bullRedis,
      prefix: keys.bullPrefix,
      concurrency: config.HOTLINE_WORKER_CONCURRENCY,
      service: escalations,
      lineChecks,
      log: escalationLog,
    });
  }

  metrics = new Metrics({
    nodeId: node,
    collect: {
      queue: () => scheduler.depth(),
      alerts: async () => {
        const counts: Record<string, number> = {};
        for (const link of topo.links) {
          for (const a of await alertStore.list(link.id, { activeOnly: true, limit: 10_000 })) counts[a.state] = (counts[a.state] ?? 0) + 1;
        }
        return counts;
      },
    },
  });
  const eventLimits = new BatchedRateLimiter(redis, keys);
  eventLimits.start();
  const admission = new Admission({
    limits: eventLimits,
    perUser: parseLimit(config.HOTLINE_RATE_USER),
    perPost: parseLimit(config.HOTLINE_RATE_POST),
    metrics,
  });

  // Every client event of the contract, routed once per node; each socket gets one listener for all.
  const routes: RouteTable = {
    ...hotlineEvents(hotline, { precedence, lineChecks }),
    ...alertEvents(alerts, escalations),
    ...keyEvents(signatures),
  };

  io.on('connection', (socket) => {
    const principal = socket.data.principal;
    const socketLog = gatewayLog.child({ socketId: socket.id, userId: principal.userId });
    const ctx: GatewayContext = { log: socketLog, hooks: admission };
    setUpSocket(socket, topo, socketLog);
    serve(socket, ctx, routes);
    metrics?.connections.inc({ role: principal.role });
    socket.on('disconnect', () => {
      metrics?.connections.dec({ role: principal.role });
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

  const app = createHttpApp({
    auth,
    hotline,
    presence,
    log: log.child({ room: 'http' }),
    consoleDir: config.HOTLINE_CONSOLE_DIR,
    metrics,
    metricsToken: config.HOTLINE_METRICS_TOKEN,
    corsOrigins: config.HOTLINE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    hsts: config.HOTLINE_HSTS,
    mount: (app, requireAuth) => mountQueueDashboard(app, requireAuth, [scheduler.queue]),
    ready: async () => {
      await redis.ping();
      if (worker && !worker.isRunning()) throw new Error('escalation worker is not running');
    },
    extend: (api, requireAuth) => {
      alertRoutes(api, requireAuth, alerts, escalations);
      drillRoutes(api, requireAuth, topo, tokens);
      preferencesRoutes(api, requireAuth, topo, new RedisPreferencesStore(redis, keys));
      recordRoutes(api, requireAuth, exporter, checkpoints);
      disciplineRoutes(api, requireAuth, { topo, precedence, lineChecks, deadlines: deadlineStore });
      reportRoutes(
        api,
        requireAuth,
        new ReportService({ topo, alerts: alertStore }),
        Math.max(...topology.escalationPolicies.map((p) => p.levels.length)),
      );
    },
  });
  requestHandler = app;

  // Periodic work on every node: presence refresh and sweep, repair of lost escalation timers, and
  // (on the node that wins each round) checkpoints.
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task()
        .catch((err: unknown) => log.warn({ err, task: name }, 'periodic task failed'))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(Math.max(100, Math.min(config.HOTLINE_SWEEP_INTERVAL, config.HOTLINE_PRESENCE_TTL / 3)), 'presence', () => presence.tick()),
    every(Math.max(100, config.HOTLINE_CHECKPOINT_INTERVAL), 'checkpoints', () => checkpoints.tick(config.HOTLINE_CHECKPOINT_INTERVAL)),
  ];
  if (config.HOTLINE_WORKERS) {
    timers.push(
      every(Math.max(100, config.HOTLINE_SWEEP_INTERVAL), 'timer-repair', () =>
        escalations.repair(Math.max(2000, config.HOTLINE_SWEEP_INTERVAL), { alerts: alertStore, deadlines: deadlineStore }),
      ),
    );
  }
  if (lineChecks.scheduledLinks.length > 0) {
    timers.push(every(Math.max(50, config.HOTLINE_LINECHECK_TICK), 'line-checks', () => lineChecks.tick()));
  }

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
        for (const t of timers) clearInterval(t);
        eventLimits.stop();
        // Stop accepting connections, answer new events with UNAVAILABLE, and let those in flight
        // finish and ack; then let the consoles go (they reconnect to another node) and stop the workers.
        httpServer.close();
        const drained = await admission.drain(config.HOTLINE_SHUTDOWN_GRACE);
        if (!drained) log.warn({ inFlight: admission.inFlight }, 'shutdown grace ran out with events in flight');
        await presence.leaveAll().catch(() => undefined);
        io.disconnectSockets(true);
        await new Promise<void>((resolve, reject) => {
          io.close(() => resolve()).catch(reject);
        });
        await worker?.close();
        await scheduler.close();
        await Promise.allSettled([redis.quit(), pub.quit(), sub.quit(), headSub.quit(), bullRedis.quit()]);
      })();
      return closing;
    },
  };
}
