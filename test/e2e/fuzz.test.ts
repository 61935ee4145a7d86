import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { CLIENT_EVENTS, ErrorCode } from '@hotline/shared';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { connectClient, emitAck, rawSocket, tokenFor } from '../helpers/clients.js';
import { headSeqs, headsBeforeRefusals } from '../helpers/log.js';
import { nextEvent } from '../helpers/wait.js';

/**
 * Property-based fuzzing of every client event and HTTP route with arbitrary and malicious payloads:
 * the server never crashes, never writes on bad input, and always answers with an error code.
 */
let cluster: TestCluster;
let op: Socket;
let commander: Socket;
const LINKS = ['l1', 'l2', 'l3', 'l4'];
const CODES = new Set<string>(Object.values(ErrorCode));

const heads = () => headSeqs(cluster.redis.client(), LINKS);
/** The heads before refusals; the logs must hold something (beforeAll writes it), or comparing would prove nothing. */
const headsBefore = () => headsBeforeRefusals(cluster.redis.client(), LINKS);

const evil = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '$where', '../../etc/passwd', '\u0000', '\ud800', '<script>alert(1)</script>', "' OR 1=1 --"),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
);
const anyValue = fc.oneof(
  { depthSize: 'small' },
  fc.anything({ maxDepth: 3, withBigInt: false, withTypedArray: false }),
  evil,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 5 }),
);
/** Objects shaped like the real payloads, with hostile or mistyped values. */
const shaped = fc.record(
  {
    linkId: fc.oneof(fc.constantFrom(...LINKS, 'nope', 'L1', ''), anyValue),
    clientMsgId: fc.oneof(fc.constantFrom('fuzz-msg-000001'), anyValue),
    clientAlertId: fc.oneof(fc.constantFrom('fuzz-alert-00001'), anyValue),
    clientCommentId: anyValue,
    text: fc.oneof(fc.string({ maxLength: 5000 }), anyValue),
    precedence: fc.oneof(fc.constantFrom('routine', 'flash', 'urgent'), anyValue),
    kind: fc.oneof(fc.constantFrom('drone', 'line-fault', 'alien'), anyValue),
    severity: fc.oneof(fc.integer({ min: -2, max: 6 }), anyValue),
    description: anyValue,
    alertId: fc.oneof(fc.constantFrom('AL-l1-1', 'AL-l1-999999', 'AL-x-1'), anyValue),
    uptoSeq: fc.oneof(fc.integer({ min: -5, max: 1e12 }), anyValue),
    seq: anyValue,
    cursors: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...LINKS), evil), anyValue, { maxKeys: 5 }), anyValue),
    limit: anyValue,
    uptoPosition: anyValue,
    publicKey: anyValue,
    validUntil: anyValue,
    sig: fc.oneof(fc.record({ keyId: anyValue, value: anyValue }), anyValue),
    location: fc.oneof(fc.record({ lat: anyValue, lon: anyValue }), anyValue),
    drill: anyValue,
    checkId: anyValue,
    quotedHash: anyValue,
    uptoHash: anyValue,
    __proto__: anyValue,
    constructor: anyValue,
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(anyValue, shaped);

beforeAll(async () => {
  cluster = await startCluster({ nodes: 1 });
  op = rawSocket(cluster.nodes[0]!.url, tokenFor('op-a1', 'operator'));
  commander = rawSocket(cluster.nodes[0]!.url, tokenFor('joint', 'commander'));
  await Promise.all([nextEvent(op, 'connect'), nextEvent(commander, 'connect')]);
  // Something in the log to compare with: one valid message.
  const writer = await connectClient(cluster.nodes[0]!.url, 'op-a1');
  await writer.send('l1', 'before the fuzzing');
  writer.close();
});

afterAll(async () => {
  op?.close();
  commander?.close();
  await cluster?.stop();
});

describe('fuzzing every event', () => {
  for (const event of [...CLIENT_EVENTS, 'no-such-event']) {
    it(`${event}: always an answer with a code, never a write on refusal, never INTERNAL`, async () => {
      const before = await headsBefore();
      await fc.assert(
        fc.asyncProperty(payload, fc.boolean(), async (p, asCommander) => {
          const ack = await emitAck(asCommander ? commander : op, event, p);
          expect(typeof ack).toBe('object');
          expect(typeof ack.ok).toBe('boolean');
          if (!ack.ok) {
            expect(CODES.has(ack.error.code)).toBe(true);
            expect(ack.error.code).not.toBe('INTERNAL');
            expect(typeof ack.error.message).toBe('string');
          }
        }),
        { numRuns: 60 },
      );
      // Nothing fuzzed here can be a valid signed write, so no link moved.
      expect(await heads()).toEqual(before);
      expect(op.connected && commander.connected).toBe(true);
    });
  }

  it('also survives extra arguments, binary attachments and missing acks', async () => {
    const before = await headsBefore();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CLIENT_EVENTS), fc.array(anyValue, { maxLength: 4 }), fc.uint8Array({ maxLength: 64 }), async (event, args, bytes) => {
        op.emit(event, ...args); // no ack: dropped
        const ack = await emitAck(op, event, ...args, Buffer.from(bytes));
        expect(ack.ok).toBe(false);
        expect(CODES.has(ack.error.code)).toBe(true);
      }),
      { numRuns: 80 },
    );
    expect(await heads()).toEqual(before);
  });
});

describe('fuzzing the wire itself', () => {
  it('drops a connection that sends malformed or reserved-name packets, and keeps serving the others', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('42["disconnect",{}]', '42["connect"]', '42["disconnecting"]', '42[', '4{}', '9', '42["hotline:send",' + '['.repeat(2000) + ']'),
          fc.string({ maxLength: 200 }).map((s) => `4${s}`),
        ),
        async (raw) => {
          const victim = rawSocket(cluster.nodes[0]!.url, tokenFor('op-b1', 'operator'));
          await nextEvent(victim, 'connect');
          (victim.io.engine as unknown as { write(data: string): void }).write(raw);
          // Either the packet was harmless or the connection is closed; the server serves the others.
          const ack = await emitAck(op, 'sync', { cursors: { l1: 0 } });
          expect(ack.ok).toBe(true);
          victim.close();
        },
      ),
      { numRuns: 40 },
    );
    expect((await fetch(`${cluster.nodes[0]!.url}/healthz`)).status).toBe(200);
  });
});

describe('fuzzing every HTTP route', () => {
  const routes: { method: 'GET' | 'POST'; path: string; auth: boolean }[] = [
    { method: 'POST', path: '/api/auth/login', auth: false },
    { method: 'POST', path: '/api/auth/refresh', auth: true },
    { method: 'GET', path: '/api/me', auth: true },
    { method: 'GET', path: '/api/topology', auth: true },
    { method: 'GET', path: '/api/links', auth: true },
    { method: 'GET', path: '/api/presence', auth: true },
    { method: 'GET', path: '/api/alerts', auth: true },
    { method: 'GET', path: '/api/alerts/AL-l1-1', auth: true },
    { method: 'GET', path: '/api/inbox', auth: true },
    { method: 'GET', path: '/api/deadlines', auth: true },
    { method: 'GET', path: '/api/linechecks', auth: true },
    { method: 'GET', path: '/api/links/l1/export', auth: true },
    { method: 'GET', path: '/api/reports/incidents', auth: true },
    { method: 'GET', path: '/api/reports/discipline', auth: true },
    { method: 'POST', path: '/api/drill/tokens', auth: true },
    { method: 'POST', path: '/api/checkpoints', auth: true },
    { method: 'GET', path: '/api/server-key', auth: false },
    { method: 'GET', path: '/api/nothing-here', auth: false },
  ];
  const query = fc.dictionary(fc.constantFrom('state', 'link', 'sector', 'since', 'drill', 'limit', 'from', 'to', 'fromSeq', 'toSeq', 'after', 'format', 'x'), fc.oneof(fc.string({ maxLength: 30 }), evil.map((s) => s.slice(0, 300))), { maxKeys: 4 });
  const body = fc.oneof(
    fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ maxLength: 200 }),
    fc.constant('{"username": {"$gt": ""}, "password": {"$gt": ""}}'),
    fc.constant('{"users": ["' + 'x'.repeat(70_000) + '"]}'),
  );
  const token = fc.constantFrom(tokenFor('admin', 'admin'), tokenFor('monitor', 'monitor'), tokenFor('op-a1', 'operator'), 'garbage', '');

  it('never answers 5xx and always carries an error code', async () => {
    const before = await headsBefore();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), query, body, token, async (route, q, b, t) => {
        const qs = new URLSearchParams(q).toString();
        const res = await fetch(`${cluster.nodes[0]!.url}${route.path}${qs ? `?${qs}` : ''}`, {
          method: route.method,
          headers: { 'content-type': 'application/json', ...(route.auth && t ? { authorization: `Bearer ${t}` } : {}) },
          ...(route.method === 'POST' ? { body: b } : {}),
        });
        expect(res.status).toBeLessThan(500);
        const text = await res.text();
        if (res.status >= 400) {
          const parsed = JSON.parse(text) as { error: { code: string } };
          expect(CODES.has(parsed.error.code)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // A checkpoint signs heads but writes no entry; nothing else may move a log.
    expect(await heads()).toEqual(before);
  });

  it('is still healthy, and logged no unexpected error', async () => {
    expect((await fetch(`${cluster.nodes[0]!.url}/healthz`)).status).toBe(200);
    expect(cluster.nodes[0]!.running).toBe(true);
    const unexpected = cluster.nodes[0]!.logs().filter((l) => String(l.msg).startsWith('unexpected error'));
    expect(unexpected).toEqual([]);
  });
});
