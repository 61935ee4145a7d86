import { writeSync } from 'node:fs';
import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { redisTarget, type Config } from './config.js';
import type { Logger } from './log.js';
import { TokenSigner } from './auth/tokens.js';
import { PushGrants } from './notify/push-grant.js';
import { TopologyIndex } from './domain/topology-index.js';
import { EscalationScheduler } from './escalation/queue.js';
import { startEscalationWorker } from './escalation/worker.js';
import { alertEvents } from './gateway/alert-events.js';
import { hotlineEvents } from './gateway/hotline-events.js';
import { createIo, IoBroadcaster, refreshRooms, rooms, setUpSocket, socketCutter } from './gateway/io.js';
import { keyEvents } from './gateway/key-events.js';
import { alertRoutes } from './http/alerts.js';
import { createHttpApp, meOf } from './http/app.js';
import { preferencesOf, preferencesRoutes } from './http/preferences.js';
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
import { RedisCosignatureStore } from './store/cosign-store.js';
import { RedisSignaturePolicyStore } from './store/policy-store.js';
import { CosignService } from './service/cosign-service.js';
import { cosignEvents } from './gateway/cosign-events.js';
import { trustedKeyRoutes } from './http/trusted-keys.js';
import { Keys } from './store/keys.js';
import { RedisLineCheckStore } from './store/linecheck-store.js';
import { RedisLinkLog, type LinkLog } from './store/link-log.js';
import { PgLinkArchive } from './store/archive.js';
import { ArchivedLinkLog } from './store/archived-link-log.js';
import { ArchivedCheckpointStore } from './store/archived-checkpoint-store.js';
import { RedisHotLog } from './store/hot-log.js';
import { ArchiveService } from './service/archive-service.js';
import { archiveRoutes } from './http/archive.js';
import { registerArchiveMetrics } from './archive-metrics.js';
import { RedisPresenceStore } from './store/presence.js';
import { RedisPreferencesStore } from './store/preferences.js';
import { RedisReceiptStore } from './store/receipt-store.js';
import { createRedis } from './store/redis.js';
import { loadTopology } from './topology-file.js';
import { Admission } from './gateway/admission.js';
import { LoadShedder } from './gateway/load-shed.js';
import { serve, type GatewayContext, type RouteTable } from './gateway/handle.js';
import { mountQueueDashboard } from './http/queues.js';
import { Metrics } from './metrics.js';
import { BatchedRateLimiter, RedisRateLimits, parseLimit } from './store/rate-limits.js';
import { makeDeadlineId, NotificationsSchema, type Entry } from '@hotline/shared';
import { NotificationService } from './notify/notification-service.js';
import { RedisNotificationStore } from './notify/notification-store.js';
import { NotifyQueue } from './notify/notify-queue.js';
import { startNotifyWorker } from './notify/notify-worker.js';
import { NotifyMetrics } from './notify/notify-metrics.js';
import { mountGatewayReplies, notificationRoutes } from './http/notifications.js';
import { adminRoutes } from './http/admin.js';
import { dutyRoutes } from './http/duty.js';
import { ConfigService } from './service/config-service.js';
import { SessionService } from './service/session-service.js';
import { RedisLoginThrottle } from './store/login-throttle.js';
import { RedisSessionStore } from './store/session-store.js';

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
  let notifyMetrics: NotifyMetrics | undefined;
  let onAppended: ((entries: readonly Entry[]) => void) | undefined;
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
  const shedder = new LoadShedder({
    connectRate: parseLimit(config.HOTLINE_CONNECT_RATE),
    maxInFlight: config.HOTLINE_MAX_IN_FLIGHT,
    maxLagMs: config.HOTLINE_SHED_LAG,
    onShedConnection: () => metrics?.rejected.inc({ code: 'UNAVAILABLE', source: 'handshake' }),
  });
  let sessions: SessionService | undefined;
  const io = createIo({
    shedder,
    wsCompression: config.HOTLINE_WS_COMPRESSION,
    httpServer,
    pub,
    sub,
    topo,
    authenticate: (token, seen) => {
      if (!sessions) return Promise.reject(new Error('starting'));
      return sessions.authenticate(token, seen);
    },
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
  const redisLinkLog = new RedisLinkLog(redis, keys, {
    nodeId: node,
    onAppend: (entries) => {
      for (const e of entries) metrics?.entries.inc({ type: e.type });
      onAppended?.(entries);
    },
  });
  // With an archive configured, cold segments of each log move to PostgreSQL and reads below Redis's
  // oldest entry continue there; without one, every entry stays in Redis.
  const hotLog = new RedisHotLog(redis, keys);
  let archive: PgLinkArchive | undefined;
  if (config.ARCHIVE_DATABASE_URL) {
    archive = new PgLinkArchive(config.ARCHIVE_DATABASE_URL, { onError: (err) => log.warn({ err }, 'archive database connection failed') });
    const schema = await archive.ensureSchema();
    log.info({ schema }, 'link-log archive in PostgreSQL');
  }
  const linkLog: LinkLog = archive ? new ArchivedLinkLog(redisLinkLog, archive) : redisLinkLog;
  // Every node follows every append: its head, so the two ends of a conversation on two nodes do not
  // keep losing the compare-and-set to each other, and its entries, which this node pushes to its
  // consoles when another node appended them.
  const headSub = createRedis(target, log, `${node}:heads`, { enableAutoPipelining: false });
  await redisLinkLog.followHeads(
    headSub,
    (entries) => broadcaster.fromOtherNode(entries),
    (linkId) => broadcaster.followedHere(linkId),
  );
  const rateLimits = new RedisRateLimits(redis, keys);
  const alertStore = new RedisAlertStore(redis, keys);
  const deadlineStore = new RedisDeadlineStore(redis, keys);
  const redisCheckpointStore = new RedisCheckpointStore(redis, keys);
  // Checkpoints of archived segments move with them; reads of a range see both places.
  const checkpointStore = archive ? new ArchivedCheckpointStore(redisCheckpointStore, archive) : redisCheckpointStore;
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
    policies: new RedisSignaturePolicyStore(redis, keys),
  });
  const cosign = new CosignService({ topo, checkpoints, signatures, store: new RedisCosignatureStore(redis, keys), registry: keyRegistry });
  const escalationLog = log.child({ room: 'escalation' });
  const scheduler = new EscalationScheduler(bullRedis, keys.bullPrefix, escalationLog, config.HOTLINE_ESCALATION_LEAD);
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
  sessions = new SessionService({
    topo,
    tokens,
    store: new RedisSessionStore(redis, keys),
    registry: keyRegistry,
    log: linkLog,
    signatures,
    broadcaster,
    redis,
    keys,
    logger: log.child({ room: 'sessions' }),
  });
  const controlSub = createRedis(target, log, `${node}:control`, { enableAutoPipelining: false });
  await sessions.start(controlSub, socketCutter(io));
  const liveConfig = new ConfigService({
    topo,
    log: linkLog,
    redis,
    keys,
    signatures,
    broadcaster,
    logger: log.child({ room: 'config' }),
    pollMs: config.HOTLINE_CONFIG_POLL,
  });
  // Every node, on every new configuration: sockets follow the links they may now read, and users
  // disabled or removed lose their sockets at once.
  topo.onChange((next, previous) => {
    metrics?.configVersion.set(topo.version);
    refreshRooms(io, topo);
    const gone = previous.users.filter((u) => !u.disabled && !next.users.some((n) => n.id === u.id && !n.disabled && n.role === u.role)).map((u) => rooms.user(u.id));
    if (gone.length > 0) io.local.in(gone).disconnectSockets(true);
  });
  await liveConfig.start(topology, controlSub);
  const throttleLimit = parseLimit(config.HOTLINE_LOGIN_THROTTLE);
  const throttle = new RedisLoginThrottle(redis, keys, {
    freeFailures: throttleLimit.max,
    baseDelayMs: throttleLimit.windowMs,
    maxDelayMs: config.HOTLINE_LOGIN_DELAY_MAX,
    forgetAfterMs: Math.max(config.HOTLINE_LOGIN_DELAY_MAX * 2, 3_600_000),
    perAddress: parseLimit(config.HOTLINE_LOGIN_ADDRESS_FAILURES),
  });
  const auth = new AuthService(topo, tokens, {
    store: rateLimits,
    perAddress: parseLimit(config.HOTLINE_RATE_LOGIN),
    throttle,
    sessions,
    observe: (outcome) => metrics?.logins.inc({ outcome }),
  });
  // Notifications beyond the console: the topology's optional section, read through one accessor.
  // Read from the live configuration: an administrator's change to the section applies to the next
  // notification on every node.
  let notificationSettings = NotificationsSchema.parse(topo.topology.notifications ?? {});
  topo.onChange((next) => {
    notificationSettings = NotificationsSchema.parse(next.notifications ?? {});
  });
  const notifyLog = log.child({ room: 'notify' });
  const notifyQueue = new NotifyQueue(bullRedis, keys.bullPrefix, notifyLog);
  let notifications: NotificationService | undefined;
  const escalations = new EscalationService({
    notifier: { escalated: (userIds, escalation) => notifications?.escalated(userIds, escalation) ?? Promise.resolve() },
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
  const sessionService = sessions;
  notifications = new NotificationService({
    topo,
    settings: () => notificationSettings,
    store: new RedisNotificationStore(redis, keys),
    queue: notifyQueue,
    alertStore,
    deadlines: deadlineStore,
    alerts,
    logger: notifyLog,
    vapid:
      config.HOTLINE_VAPID_PUBLIC_KEY && config.HOTLINE_VAPID_PRIVATE_KEY
        ? { publicKey: config.HOTLINE_VAPID_PUBLIC_KEY, privateKey: config.HOTLINE_VAPID_PRIVATE_KEY }
        : undefined,
    grants: new PushGrants(config.HOTLINE_TOKEN_SECRET),
    sessionRevoked: (sid) => sessionService.isRevoked(sid),
    observer: {
      delivery: (channel, outcome) => notifyMetrics?.deliveries.inc({ channel, outcome }),
      firstDelivery: (seconds) => notifyMetrics?.firstDelivery.observe(seconds),
      acknowledgedThrough: (gateway) => notifyMetrics?.acknowledgedThrough.inc({ gateway }),
    },
  });
  const notifier = notifications;
  // Alerts raised for a post with no console online, and flash messages, reach people away from the console.
  onAppended = (entries) => {
    for (const e of entries) {
      let task: Promise<void> | undefined;
      if (e.type === 'alert.raised' && !e.payload.counterpartOnline) {
        task = alertStore.get(e.linkId, e.payload.alertId).then((a) => (a ? notifier.alertUnattended(a) : undefined));
      } else if (e.type === 'message' && e.payload.precedence === 'flash') {
        task = deadlineStore.get(e.linkId, makeDeadlineId(e.linkId, e.seq)).then((d) => (d ? notifier.flashSent(d) : undefined));
      }
      task?.catch((err: unknown) => notifyLog.warn({ err, linkId: e.linkId, seq: e.seq }, 'could not queue notifications'));
    }
  };
  const exporter = new ExportService({ topo, log: linkLog, registry: keyRegistry, checkpoints, cosign, signatures });
  const fault = config.HOTLINE_ARCHIVE_FAULT;
  const archiver = archive
    ? new ArchiveService({
        archive,
        hot: hotLog,
        log: linkLog,
        checkpoints: redisCheckpointStore,
        topo,
        logger: log.child({ room: 'archive' }),
        serverKey: serverKey.info,
        policy: { afterMs: config.ARCHIVE_AFTER, hotEntries: config.ARCHIVE_HOT_ENTRIES, chunk: config.ARCHIVE_CHUNK, maxSegment: 50 * config.ARCHIVE_CHUNK },
        nodeId: node,
        onStep: fault
          ? (step, linkId) => {
              if (step !== fault) return;
              // Written synchronously: the asynchronous logger would not get it out before the kill.
              writeSync(2, `${JSON.stringify({ level: 40, node, step, linkId, msg: 'fault injection: killing this node mid-move' })}\n`);
              process.kill(process.pid, 'SIGKILL');
            }
          : undefined,
      })
    : undefined;
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
  let notifyWorker: Worker | undefined;
  if (config.HOTLINE_WORKERS) {
    notifyWorker = startNotifyWorker({
      connection: bullRedis,
      prefix: keys.bullPrefix,
      concurrency: config.HOTLINE_NOTIFY_CONCURRENCY,
      service: notifications,
      backoff: { baseMs: config.HOTLINE_NOTIFY_BACKOFF, maxMs: config.HOTLINE_NOTIFY_BACKOFF_MAX },
      lockDuration: config.HOTLINE_NOTIFY_LOCK,
      log: notifyLog,
    });
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
  registerArchiveMetrics(metrics.registry, { linkIds: topo.links.map((l) => l.id), hot: hotLog, log: linkLog, archive, archiver });
  notifyMetrics = new NotifyMetrics(metrics.registry, () => notifyQueue.depth());
  const eventLimits = new BatchedRateLimiter(redis, keys);
  eventLimits.start();
  const admission = new Admission({
    limits: eventLimits,
    perUser: parseLimit(config.HOTLINE_RATE_USER),
    perPost: parseLimit(config.HOTLINE_RATE_POST),
    metrics,
    shedder,
    active: (principal) => sessions.assertActive(principal),
  });

  // Every client event of the contract, routed once per node; each socket gets one listener for all.
  const routes: RouteTable = {
    ...hotlineEvents(hotline, { precedence, lineChecks }),
    ...alertEvents(alerts, escalations),
    ...keyEvents(signatures),
    ...cosignEvents(cosign),
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

  const preferencesStore = new RedisPreferencesStore(redis, keys);
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
    mount: (app, requireAuth) => {
      mountQueueDashboard(app, requireAuth, [scheduler.queue, notifyQueue.queue]);
      mountGatewayReplies(app, notifier);
    },
    ready: async () => {
      await redis.ping();
      if (worker && !worker.isRunning()) throw new Error('escalation worker is not running');
    },
    boot: async (principal) => ({
      ...meOf(auth, principal),
      preferences: await preferencesOf(principal, topo, preferencesStore),
      serverKey: checkpoints.serverKey,
      topology: topo.visibleTopology(principal),
    }),
    extend: (api, requireAuth) => {
      alertRoutes(api, requireAuth, alerts, escalations);
      drillRoutes(api, requireAuth, topo, tokens);
      notificationRoutes(api, requireAuth, { service: notifier, queue: notifyQueue, topo });
      preferencesRoutes(api, requireAuth, topo, preferencesStore);
      recordRoutes(api, requireAuth, exporter, checkpoints);
      trustedKeyRoutes(api, requireAuth, cosign);
      archiveRoutes(api, requireAuth, archiver);
      disciplineRoutes(api, requireAuth, { topo, precedence, lineChecks, deadlines: deadlineStore });
      adminRoutes(api, requireAuth, { topo, config: liveConfig, sessions, auth, throttle, log: linkLog, checkpoints });
      dutyRoutes(api, requireAuth, { topo, signatures, broadcaster, redis, keys });
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
  if (archiver) timers.push(every(Math.max(100, config.ARCHIVE_INTERVAL), 'archive', () => archiver.tick()));
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
        liveConfig.stop();
        eventLimits.stop();
        shedder.close();
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
        await notifyWorker?.close();
        await scheduler.close();
        await notifyQueue.close();
        await Promise.allSettled([redis.quit(), pub.quit(), sub.quit(), headSub.quit(), controlSub.quit(), bullRedis.quit(), archive?.close()]);
      })();
      return closing;
    },
  };
}
