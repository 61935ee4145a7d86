import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import {
  ADMIN_LOG_ID,
  AppError,
  ChangePasswordRequest,
  ConfigChangeRequest,
  EXPORT_FORMAT,
  ErrorCode,
  Id,
  LogoutRequest,
  encodeExportLine,
  type Entry,
} from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { AuthService } from '../service/auth-service.js';
import type { CheckpointService } from '../service/checkpoint-service.js';
import type { ConfigService } from '../service/config-service.js';
import type { SessionService } from '../service/session-service.js';
import type { LinkLog } from '../store/link-log.js';
import type { RedisLoginThrottle } from '../store/login-throttle.js';
import { validationError } from '../wire-error.js';

export interface AdminDeps {
  topo: TopologyIndex;
  config: ConfigService;
  sessions: SessionService;
  auth: AuthService;
  throttle: RedisLoginThrottle;
  log: LinkLog;
  checkpoints: CheckpointService;
}

const Section = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'must be a configuration section name');

function admin(principal: Principal): Principal {
  if (principal.role !== 'admin') throw new AppError(ErrorCode.FORBIDDEN, 'only admins administer the service');
  return principal;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data;
}

/**
 * The administration API (docs/admin.md): the live configuration, sessions and revocation, login
 * failures, the administration log; and each user's own sessions, password and logout.
 */
export function adminRoutes(api: Router, requireAuth: (req: Request) => Principal, deps: AdminDeps): void {
  const { topo, config, sessions } = deps;

  /** After a change of users: the sessions and keys of users now disabled or removed are revoked. */
  const afterUsersChange = async (by: string, before: Map<string, boolean>) => {
    for (const [id, wasDisabled] of before) {
      const now = topo.user(id);
      if (!wasDisabled && (!now || now.disabled)) await sessions.revokeUser(by, id, 'user-disabled');
    }
  };
  const change = async (req: Request, res: Response, op: 'put' | 'remove') => {
    const principal = admin(requireAuth(req));
    const section = parse(Section, req.params.section);
    const itemId = req.params.id === undefined ? null : parse(Id, req.params.id);
    const request = parse(ConfigChangeRequest, req.body ?? {});
    const before = new Map(topo.topology.users.map((u) => [u.id, u.disabled === true]));
    const result = await config.change(principal, { section, itemId, op, request });
    if (section === 'users') await afterUsersChange(principal.userId, before);
    res.json({ version: result.version, seq: result.entry.seq, hash: result.entry.hash });
  };

  api.get('/admin/config', (req, res) => {
    admin(requireAuth(req));
    res.json(config.view());
  });
  api.put('/admin/config/:section', (req, res) => change(req, res, 'put'));
  api.delete('/admin/config/:section', (req, res) => change(req, res, 'remove'));
  api.put('/admin/config/:section/:id', (req, res) => change(req, res, 'put'));
  api.delete('/admin/config/:section/:id', (req, res) => change(req, res, 'remove'));

  api.get('/admin/users/:id/sessions', async (req, res) => {
    admin(requireAuth(req));
    res.json({ sessions: await sessions.list(parse(Id, req.params.id)) });
  });
  api.post('/admin/users/:id/sessions/:sid/revoke', async (req, res) => {
    const principal = admin(requireAuth(req));
    const userId = parse(Id, req.params.id);
    const sid = parse(z.string().regex(/^[A-Za-z0-9_-]{8,64}$/), req.params.sid);
    res.json(await sessions.revokeSession(principal.userId, userId, sid));
  });
  api.get('/admin/login-failures', async (req, res) => {
    admin(requireAuth(req));
    res.json({ failures: await deps.throttle.failures() });
  });

  // The administration log: admins and monitors export it, the offline verifier checks it.
  api.get('/admin/log/export', async (req, res) => {
    const principal = requireAuth(req);
    if (principal.role !== 'admin' && principal.role !== 'monitor') throw new AppError(ErrorCode.FORBIDDEN, 'admins and monitors export the administration log');
    const head = (await deps.log.heads([ADMIN_LOG_ID])).get(ADMIN_LOG_ID)!;
    res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${ADMIN_LOG_ID}-${Date.now()}.ndjson"`);
    const write = async (line: string) => {
      if (!res.write(`${line}\n`)) await new Promise((resolve) => res.once('drain', resolve));
    };
    await write(
      encodeExportLine({
        kind: 'header',
        format: EXPORT_FORMAT,
        linkId: ADMIN_LOG_ID,
        link: { id: ADMIN_LOG_ID, name: 'Administration log', posts: [] },
        posts: [],
        sides: topo.topology.sides.map((s) => ({ id: s.id, name: s.name })),
        exportedAt: Date.now(),
        exportedBy: principal.userId,
        range: { fromSeq: 1, toSeq: head.seq, from: null, to: null },
        head: { seq: head.seq, hash: head.hash },
        serverKey: deps.checkpoints.serverKey,
      }),
    );
    for (const cp of await deps.checkpoints.between(ADMIN_LOG_ID, 1, head.seq)) await write(encodeExportLine({ kind: 'checkpoint', checkpoint: cp }));
    let count = 0;
    let last: Entry | undefined;
    for (let after = 0; after < head.seq; ) {
      const page = await deps.log.range(ADMIN_LOG_ID, after, Math.min(1000, head.seq - after));
      if (page.length === 0) break;
      for (const entry of page) {
        await write(encodeExportLine({ kind: 'entry', entry }));
        count++;
        last = entry;
      }
      after = page[page.length - 1]!.seq;
    }
    await write(encodeExportLine({ kind: 'end', entries: count, last: last ? { seq: last.seq, hash: last.hash } : null }));
    res.end();
  });

  // Each user's own: sessions, logout (here or everywhere), password.
  api.get('/auth/sessions', async (req, res) => {
    const principal = requireAuth(req);
    res.json({ current: principal.sessionId, sessions: await sessions.list(principal.userId) });
  });
  api.post('/auth/logout', async (req, res) => {
    const principal = requireAuth(req);
    const { everywhere } = parse(LogoutRequest, req.body ?? {});
    if (everywhere) res.json(await sessions.revokeUser(principal.userId, principal.userId, 'logout'));
    else if (principal.sessionId) {
      const { keysRevoked } = await sessions.revokeSession(principal.userId, principal.userId, principal.sessionId, 'logout');
      res.json({ sessions: 1, keysRevoked });
    } else res.json({ sessions: 0, keysRevoked: 0 });
  });
  api.post('/auth/password', async (req, res) => {
    const principal = requireAuth(req);
    const body = parse(ChangePasswordRequest, req.body ?? {});
    if (!(await deps.auth.checkPassword(principal.userId, body.current))) throw new AppError(ErrorCode.FORBIDDEN, 'the current password is wrong');
    const user = topo.user(principal.userId);
    if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, 'unknown user');
    const { passwordHash: _old, ...rest } = user;
    // Written by the server for the user: the log shows that their entry changed, never the password.
    const result = await config.change(null, { section: 'users', itemId: user.id, op: 'put', request: { version: config.version, value: { ...rest, password: body.password } } });
    res.json({ version: result.version });
  });
}
