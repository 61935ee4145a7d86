import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '@hotline/shared';
import { TokenSigner } from '../../server/src/auth/tokens.js';
import { TopologyIndex } from '../../server/src/domain/topology-index.js';
import { createHttpApp } from '../../server/src/http/app.js';
import { Metrics } from '../../server/src/metrics.js';
import { AuthService } from '../../server/src/service/auth-service.js';
import type { HotlineService } from '../../server/src/service/hotline-service.js';
import type { PresenceService } from '../../server/src/service/presence-service.js';
import { loadTopology } from '../../server/src/topology-file.js';
import { toWireError } from '../../server/src/wire-error.js';
import { makeTopology } from '../helpers/topology.js';

/** A pino logger whose lines the test reads. */
function sinkLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('one error-to-wire rule for sockets and HTTP', () => {
  it('keeps an AppError, refuses body-parser errors as VALIDATION_FAILED, and hides anything else as a logged, retryable INTERNAL', () => {
    const { log, lines } = sinkLogger();
    expect(toWireError(new AppError(ErrorCode.CONFLICT, 'taken', { details: { seq: 3 } }), log, {})).toEqual({
      code: 'CONFLICT',
      message: 'taken',
      retryable: false,
      details: { seq: 3 },
    });
    expect(toWireError(Object.assign(new Error('x'), { type: 'entity.parse.failed', status: 400 }), log, {})).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(lines).toEqual([]);
    const internal = toWireError(new Error('secret detail of a bug'), log, { event: 'hotline:send' });
    expect(internal).toMatchObject({ code: 'INTERNAL', retryable: true });
    expect(internal.message).not.toContain('secret');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, event: 'hotline:send', err: { message: 'secret detail of a bug' } });
  });

  describe('over HTTP', () => {
    let server: Server;
    let url: string;
    let metrics: Metrics;
    const sink = sinkLogger();

    beforeAll(async () => {
      const topo = new TopologyIndex(loadTopology((await makeTopology()).file));
      metrics = new Metrics({ nodeId: 'wire-errors' });
      const app = createHttpApp({
        auth: new AuthService(topo, new TokenSigner('wire-errors-secret-0123456789abcdef', 60_000)),
        hotline: {} as HotlineService,
        presence: {} as PresenceService,
        log: sink.log,
        ready: async () => undefined,
        consoleDir: '',
        metrics,
        extend: (api) => {
          api.get('/boom', () => {
            throw new Error('a bug');
          });
          api.post('/echo', (req, res) => {
            res.json(req.body);
          });
        },
      });
      server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const rejected = async (code: string) => {
      const text = await metrics.registry.metrics();
      return Number(new RegExp(`hotline_requests_rejected_total\\{code="${code}",source="http"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };

    it('answers a failure it did not expect with 500 INTERNAL, retryable, counted as INTERNAL', async () => {
      const before = { internal: await rejected('INTERNAL'), validation: await rejected('VALIDATION_FAILED') };
      const res = await fetch(`${url}/api/boom`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String), retryable: true } });
      expect(await rejected('INTERNAL')).toBe(before.internal + 1);
      expect(await rejected('VALIDATION_FAILED')).toBe(before.validation);
      expect(sink.lines.some((l) => (l.err as { message?: string } | undefined)?.message === 'a bug')).toBe(true);
    });

    it('answers a bad body as the socket answers a bad payload: VALIDATION_FAILED, not retryable', async () => {
      const before = await rejected('VALIDATION_FAILED');
      const notJson = await fetch(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'request body is not valid JSON', retryable: false } });
      const tooLarge = await fetch(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(70_000) }) });
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', retryable: false } });
      const unauthenticated = await fetch(`${url}/api/me`);
      expect(unauthenticated.status).toBe(401);
      expect(await unauthenticated.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', retryable: false } });
      expect(await rejected('VALIDATION_FAILED')).toBe(before + 2);
    });
  });
});
