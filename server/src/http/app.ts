import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError, ErrorCode, LoginRequest, type BootResponse, type LoginBootResponse } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { Logger } from '../log.js';
import type { AuthService } from '../service/auth-service.js';
import type { HotlineService } from '../service/hotline-service.js';
import type { PresenceService } from '../service/presence-service.js';
import { httpStatus, toWireError, validationError } from '../wire-error.js';
import { consoleFiles } from './static-files.js';
import type { Metrics } from '../metrics.js';

export interface HttpDeps {
  auth: AuthService;
  hotline: HotlineService;
  presence: PresenceService;
  log: Logger;
  /** Resolves when Redis and the workers answer; rejects with the reason otherwise. */
  ready: () => Promise<void>;
  consoleDir: string;
  /** Extra routers mounted under /api by later rooms (alerts, reports, admin). */
  extend?: (api: express.Router, requireAuth: (req: Request) => Principal) => void;
  /** Routes mounted at the root before the console (queue dashboard). */
  mount?: (app: express.Express, requireAuth: (req: Request) => Principal) => void;
  /**
   * What a console needs before it connects (GET /api/boot, and the login with `boot: true`): the
   * user, preferences, server key and visible topology in one answer.
   */
  boot?: (principal: Principal) => Promise<BootResponse>;
  metrics?: Metrics;
  metricsToken?: string;
  corsOrigins?: string[];
  hsts?: boolean;
}

/** Security headers for every response; the console loads nothing from elsewhere. */
function securityHeaders(hsts: boolean) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    if (hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

/** CORS for the listed origins only; no header at all for others (the browser then refuses). */
function cors(origins: string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT');
      res.setHeader('Access-Control-Max-Age', '600');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

type Authed = Request & { principal?: Principal; authError?: unknown };

/** The client a request comes from, for sessions and login throttling. */
export function clientSeen(req: Request): { address: string; device: string } {
  const ua = req.headers['user-agent'];
  return { address: req.ip ?? 'unknown', device: typeof ua === 'string' ? ua.slice(0, 200) : '' };
}

/**
 * Resolves the request's bearer token once, before the routes (token checks are asynchronous: the
 * signature, and the session's revocation in Redis); `bearer` then answers synchronously.
 */
export function authenticateRequests(auth: AuthService) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    let token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    // The queue dashboard is opened in a browser with ?token=, then carries it in its own cookie.
    if (!token && req.path.startsWith('/admin/queues')) {
      const cookie = /(?:^|;\s*)hotline_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      token = typeof req.query.token === 'string' ? req.query.token : cookie ? decodeURIComponent(cookie) : undefined;
    }
    if (!token) return next();
    auth.authenticate(token, clientSeen(req)).then(
      (principal) => {
        (req as Authed).principal = principal;
        next();
      },
      (err: unknown) => {
        (req as Authed).authError = err;
        next();
      },
    );
  };
}

/** The principal of the request's bearer token, or UNAUTHENTICATED. */
export function bearer(_auth: AuthService) {
  return (req: Request): Principal => {
    const r = req as Authed;
    if (r.principal) return r.principal;
    if (r.authError) throw r.authError;
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'missing bearer token');
  };
}

/** Who a token belongs to (GET /api/me, and part of the boot answer). */
export function meOf(auth: AuthService, p: Principal): Pick<BootResponse, 'user' | 'expiresAt' | 'drill'> {
  return { user: auth.topo.sessionUser(auth.topo.user(p.userId)!), expiresAt: p.expiresAt, drill: p.drillOnly };
}

/** Express: the HTTP API, health, and the console's files. */
export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind the load balancer of docker-compose (private addresses), the client address is in X-Forwarded-For.
  app.set('trust proxy', ['loopback', 'uniquelocal']);
  const requireAuth = bearer(deps.auth);
  const me = (p: Principal) => meOf(deps.auth, p);
  app.use(securityHeaders(deps.hsts ?? false));
  // Request ids: taken from the load balancer or made here; logged with every request and error.
  app.use((req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w.-]{1,80}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    (req as Request & { id?: string }).id = id;
    const started = performance.now();
    res.on('finish', () => {
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      deps.log[level]({ reqId: id, method: req.method, url: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    next();
  });

  app.use(authenticateRequests(deps.auth));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ready();
      res.json({ ok: true });
    } catch (err) {
      res.status(503).json({ ok: false, error: new AppError(ErrorCode.UNAVAILABLE, (err as Error).message).toWire() });
    }
  });

  app.get('/metrics', async (req, res) => {
    if (!deps.metrics) throw new AppError(ErrorCode.NOT_FOUND, 'metrics are off');
    if (deps.metricsToken && req.headers.authorization !== `Bearer ${deps.metricsToken}`) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'metrics need the metrics token');
    }
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  deps.mount?.(app, requireAuth);

  const api = express.Router();
  api.use(cors(deps.corsOrigins ?? []));
  api.use(express.json({ limit: '64kb' }));

  api.post('/auth/login', async (req, res) => {
    const parsed = LoginRequest.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error.issues);
    const seen = clientSeen(req);
    const login = await deps.auth.login(parsed.data.username, parsed.data.password, seen);
    if (!parsed.data.boot || !deps.boot) {
      res.json(login);
      return;
    }
    // The console's first start: everything it would otherwise fetch one request at a time.
    const answer: LoginBootResponse = { ...login, boot: await deps.boot(await deps.auth.authenticate(login.token, seen)) };
    res.json(answer);
  });
  api.get('/boot', async (req, res) => {
    const principal = requireAuth(req);
    if (!deps.boot) throw new AppError(ErrorCode.NOT_FOUND, 'no boot answer on this server');
    res.json(await deps.boot(principal));
  });
  api.post('/auth/refresh', (req, res) => {
    res.json(deps.auth.refresh(requireAuth(req)));
  });
  api.get('/me', (req, res) => {
    res.json(me(requireAuth(req)));
  });
  api.get('/topology', (req, res) => {
    res.json(deps.auth.topo.visibleTopology(requireAuth(req)));
  });
  api.get('/links', async (req, res) => {
    res.json({ links: await deps.hotline.linkSummaries(requireAuth(req)) });
  });
  api.get('/presence', async (req, res) => {
    res.json({ presence: await deps.presence.snapshotFor(requireAuth(req)) });
  });
  deps.extend?.(api, requireAuth);
  api.use((_req, _res) => {
    throw new AppError(ErrorCode.NOT_FOUND, 'no such API route');
  });
  app.use('/api', api);

  if (deps.consoleDir && existsSync(path.join(deps.consoleDir, 'index.html'))) {
    app.use(consoleFiles(deps.consoleDir));
    // Any other path is the console's (it routes in the page): index.html, revalidated on each start.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(path.join(deps.consoleDir, 'index.html'), { headers: { 'Cache-Control': 'no-cache' } });
    });
  }

  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const error = toWireError(err, deps.log, { reqId: (req as Request & { id?: string }).id, url: req.originalUrl.split('?')[0] });
    deps.metrics?.rejected.inc({ code: error.code, source: 'http' });
    res.status(httpStatus(err, error)).json({ ok: false, error });
  });
  return app;
}
