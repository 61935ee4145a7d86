import { describe, expectTypeOf, it } from 'vitest';
import type { AlertResult, ClientEventPayload, SendResult, SyncResult } from '@hotline/shared';
import type { EventHandler, RouteTable, Routes } from '../../server/src/gateway/handle.js';

declare const table: RouteTable;
declare const send: SendResult;
declare const alert: AlertResult;

describe('the route table is typed against the event map', () => {
  it('gives each handler its parsed payload and expects its result', () => {
    expectTypeOf(table['hotline:send']).parameter(0).toEqualTypeOf<ClientEventPayload<'hotline:send'>>();
    // The parsed payload has the schema defaults filled in.
    expectTypeOf<ClientEventPayload<'hotline:send'>['precedence']>().toEqualTypeOf<'routine' | 'priority' | 'immediate' | 'flash'>();
    expectTypeOf(table.sync).returns.resolves.toEqualTypeOf<SyncResult>();
    const ok: Routes<'hotline:send' | 'alert:ack'> = {
      'hotline:send': async () => send,
      'alert:ack': async () => alert,
    };
    void ok;
  });

  it('refuses a route that drifts from the contract', () => {
    // @ts-expect-error hotline:send answers a SendResult, not an AlertResult
    const wrongResult: EventHandler<'hotline:send'> = async () => alert;
    // @ts-expect-error sync answers entries, heads and checkpoints
    const missingFields: EventHandler<'sync'> = async () => ({ entries: [] });
    const wrongPayload: EventHandler<'alert:ack'> = async (req) => {
      // @ts-expect-error an alert action has no linkId
      void req.linkId;
      return alert;
    };
    // @ts-expect-error a table without every event of the contract
    const incomplete: RouteTable = { 'hotline:send': async () => send };
    const extra: Routes<'hotline:send'> = {
      'hotline:send': async () => send,
      // @ts-expect-error an event the contract does not have
      'hotline:shout': async () => send,
    };
    void [wrongResult, missingFields, wrongPayload, incomplete, extra];
  });
});
