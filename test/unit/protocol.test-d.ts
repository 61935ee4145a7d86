import { describe, expectTypeOf, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, Entry, ServerToClientEvents } from '@hotline/shared';
import type { HotlineClient } from '../../client-sdk/src/index.js';

declare const socket: Socket<ServerToClientEvents, ClientToServerEvents>;
declare const client: HotlineClient;

describe('wire types', () => {
  it('accepts the events and payloads of the protocol', () => {
    socket.emit('hotline:send', { linkId: 'l1', clientMsgId: 'abcdefgh', text: 'hi' }, () => undefined);
    socket.on('entry', (e) => expectTypeOf(e).toEqualTypeOf<Entry>());
    expectTypeOf(client.request('sync', { cursors: { l1: 0 } })).resolves.toHaveProperty('hasMore');
  });

  it('rejects wrong event names and payloads', () => {
    // @ts-expect-error unknown event
    socket.emit('hotline:shout', { linkId: 'l1' }, () => undefined);
    // @ts-expect-error text must be a string
    socket.emit('hotline:send', { linkId: 'l1', clientMsgId: 'abcdefgh', text: 5 }, () => undefined);
    // @ts-expect-error precedence is one of the four levels
    socket.emit('hotline:send', { linkId: 'l1', clientMsgId: 'abcdefgh', text: 'x', precedence: 'urgent' }, () => undefined);
    // @ts-expect-error unknown server event
    socket.on('message', () => undefined);
    // @ts-expect-error sync needs cursors
    void client.request('sync', {});
  });
});
