import { describe, expectTypeOf, it } from 'vitest';
import type { AlertResult, ClientToServerEvents, SendResult, SyncResult } from '@hotline/shared';
import type { Calls } from '../../client-sdk/src/calls.js';
import type { HotlineClient, OutboxItem } from '../../client-sdk/src/index.js';

declare const client: HotlineClient;

describe('the SDK request, typed from the event map', () => {
  it('takes each event’s payload and resolves with its result', () => {
    expectTypeOf(client.request('hotline:send', { linkId: 'l1', clientMsgId: 'abcdefgh', text: 'hi' })).resolves.toEqualTypeOf<SendResult>();
    expectTypeOf(client.request('alert:ack', { alertId: 'AL-l1-1' })).resolves.toEqualTypeOf<AlertResult>();
    expectTypeOf(client.request('sync', { cursors: { l1: 0 } })).resolves.toEqualTypeOf<SyncResult>();
    // One call for every client event of the contract, and no other.
    expectTypeOf<keyof Calls>().toEqualTypeOf<keyof ClientToServerEvents>();
  });

  it('rejects another event’s payload, unknown events, and wrong results', () => {
    // @ts-expect-error alert:ack needs an alertId
    void client.request('alert:ack', { linkId: 'l1', clientMsgId: 'abcdefgh', text: 'hi' });
    // @ts-expect-error unknown event
    void client.request('hotline:shout', {});
    // @ts-expect-error an alert action resolves with the alert, not a send result
    expectTypeOf(client.request('alert:ack', { alertId: 'AL-l1-1' })).resolves.toEqualTypeOf<SendResult>();
  });

  it('queues only the idempotent events in the outbox', () => {
    expectTypeOf<OutboxItem['event']>().toEqualTypeOf<'hotline:send' | 'hotline:ack' | 'linecheck:answer' | 'alert:raise' | 'alert:ack' | 'alert:comment' | 'alert:resolve' | 'alert:cancel'>();
    // @ts-expect-error receipts are not queued: a later one supersedes them
    expectTypeOf<OutboxItem<'hotline:read'>>();
  });
});
