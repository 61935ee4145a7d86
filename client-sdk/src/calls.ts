import type { Socket } from 'socket.io-client';
import type { Ack, AckFn, ClientToServerEvents, SendResult, ServerToClientEvents } from '@hotline/shared';

/** An event the client sends: every one takes an ack. */
export type ClientEvent = keyof ClientToServerEvents;
/** The payload type of a client event. */
export type RequestOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
/** The success result of a client event's ack. */
export type ResultOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1] extends AckFn<infer T> ? T : never;
/** What HotlineClient.request resolves with: the ack's result, a sent message's entry rebuilt from its seal. */
export type ClientResultOf<E extends ClientEvent> = E extends 'hotline:send' ? SendResult : ResultOf<E>;

/** The socket the SDK talks through, typed by the shared event maps. */
export type HotlineSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One call per client event: sends the payload and resolves with the server's ack envelope. */
export type Calls = { [E in ClientEvent]: (payload: RequestOf<E>) => Promise<Ack<ResultOf<E>>> };

/**
 * The client events as typed calls over a socket, each with an ack timeout. A table keyed by the
 * shared event map, so an event added to the contract does not compile here until it has its call,
 * and the payload and result of every call come from the contract. It rejects with socket.io's error
 * when no ack arrives within `timeoutMs` or the socket disconnects first.
 */
export function socketCalls(socket: () => HotlineSocket, timeoutMs: number): Calls {
  const s = () => socket().timeout(timeoutMs);
  return {
    'hotline:send': (p) => acked((cb) => s().emit('hotline:send', p, cb)),
    'hotline:read': (p) => acked((cb) => s().emit('hotline:read', p, cb)),
    'hotline:delivered': (p) => acked((cb) => s().emit('hotline:delivered', p, cb)),
    sync: (p) => acked((cb) => s().emit('sync', p, cb)),
    'alert:raise': (p) => acked((cb) => s().emit('alert:raise', p, cb)),
    'alert:ack': (p) => acked((cb) => s().emit('alert:ack', p, cb)),
    'alert:comment': (p) => acked((cb) => s().emit('alert:comment', p, cb)),
    'alert:resolve': (p) => acked((cb) => s().emit('alert:resolve', p, cb)),
    'alert:cancel': (p) => acked((cb) => s().emit('alert:cancel', p, cb)),
    'inbox:read': (p) => acked((cb) => s().emit('inbox:read', p, cb)),
    'key:register': (p) => acked((cb) => s().emit('key:register', p, cb)),
    'hotline:ack': (p) => acked((cb) => s().emit('hotline:ack', p, cb)),
    'linecheck:answer': (p) => acked((cb) => s().emit('linecheck:answer', p, cb)),
    'checkpoint:cosign': (p) => acked((cb) => s().emit('checkpoint:cosign', p, cb)),
  };
}

/** The ack of one emit (socket.io's timeout flag calls back with an error first) as a promise. */
function acked<T>(emit: (cb: (err: Error | null, ack: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => emit((err, ack) => (err ? reject(err) : resolve(ack))));
}
