import { io, Manager, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { ErrorCode, type Ack, type Checkpoint, type Entry, type Escalation, type Presence } from '@hotline/shared';
import { socketCalls, type Calls, type ClientEvent, type HotlineSocket, type RequestOf, type ResultOf } from './calls.js';
import { retryDelay } from './backoff.js';
import { HotlineError } from './errors.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ConnectionEvents {
  status(status: ConnectionStatus, since: number): void;
  /** A connection (the first or a reconnection) is up: start the session on it. */
  connected(): void;
  /** The server refused the handshake with `token` (UNAUTHENTICATED) for this reason; nothing reconnects by itself. */
  refused(reason: string, token: string | undefined): void;
  entry(entry: Entry): void;
  presence(presence: Presence): void;
  escalation(escalation: Escalation): void;
  checkpoint(checkpoint: Checkpoint): void;
}

export interface ConnectionOptions {
  url: string;
  /** The token to present at each handshake (read anew at every reconnection). */
  token: () => string;
  ackTimeoutMs: number;
  socket?: Partial<ManagerOptions & SocketOptions> | undefined;
  /** A transport opened ahead (`openTransport`): its socket joins at once, without the transport's round trips. */
  transport?: Transport | undefined;
}

/**
 * The connection's transport (socket.io's Manager: the WebSocket and its reconnection), opened ahead of
 * the client by `openTransport`.
 */
export type Transport = Manager;

/** Every client's transport options; `extra` (HotlineClientOptions.socket) last. */
function transportOptions(extra?: Partial<ManagerOptions & SocketOptions>): Partial<ManagerOptions & SocketOptions> {
  return {
    // Exponential backoff with wide jitter (each delay ±50 %): after a node fails, its consoles come
    // back to the others spread over time instead of all in the same instant.
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    // Straight over WebSocket: no long-polling handshake and upgrade first (round trips that cost
    // seconds on a satellite link). Where WebSocket cannot get through (a proxy that refuses the
    // upgrade), the same attempt falls back to long-polling.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    ...extra,
  };
}

/**
 * Opens the WebSocket to `url` before there is a client to use it, e.g. while a login request is on
 * its way: a new connection costs a TCP handshake and the WebSocket upgrade, two round trips (1.4 s on
 * a satellite link) that then overlap with the login instead of following it. Nothing is sent on it
 * but the transport's own handshake and heartbeats until a client is given it (HotlineClientOptions
 * `transport`), whose socket then joins with its token in one round trip. Same options as a client's
 * own (`socket` as the client's); `closeTransport` closes one that will not be used.
 */
export function openTransport(url: string, socket?: Partial<ManagerOptions & SocketOptions>): Transport {
  return new Manager(url, transportOptions(socket));
}

/** Closes a transport opened ahead that no client took (a refused login). */
export function closeTransport(transport: Transport): void {
  // No reconnection after this: the WebSocket closes for good.
  transport._close();
}

/**
 * The socket.io connection: one socket for the client's life, reconnecting by itself with backoff and
 * presenting the current token at each handshake.
 *
 * Guarantees: nothing is buffered behind the caller's back: a request made while disconnected fails at
 * once with DISCONNECTED, one that gets no answer within `ackTimeoutMs` (or loses its connection)
 * fails with TIMEOUT, and whatever socket.io buffered when the line dropped is discarded (the outbox
 * resends it under the same ids). A server that lets the socket go (shutdown, expired token) is
 * reconnected to; a refused handshake is reported and not retried. After `close()` nothing reconnects.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #calls: Calls;
  #socket: HotlineSocket | undefined;
  #status: ConnectionStatus = 'offline';
  #statusSince = Date.now();
  #closed = true;
  #presented: string | undefined;

  constructor(options: ConnectionOptions, events: ConnectionEvents) {
    this.#options = options;
    this.#events = events;
    this.#calls = socketCalls(() => {
      if (!this.#socket) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'not connected' });
      return this.#socket;
    }, options.ackTimeoutMs);
  }

  get status(): ConnectionStatus {
    return this.#status;
  }
  get statusSince(): number {
    return this.#statusSince;
  }
  get connected(): boolean {
    return this.#socket?.connected === true;
  }
  /** The token presented at the last handshake. */
  get presentedToken(): string | undefined {
    return this.#presented;
  }
  /** close() was called and open() not since. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Connects (or reconnects after close()); the outcome arrives as `connected` or `refused`. */
  open(): void {
    this.#closed = false;
    if (this.#socket) this.#socket.connect();
    else this.#socket = this.#createSocket();
    this.setStatus('connecting');
  }

  /** Drops the connection and makes a new one at once, with the current token (after a renewal). */
  reconnect(): void {
    const socket = this.#socket;
    if (this.#closed || !socket) return;
    if (socket.connected) socket.disconnect();
    socket.connect();
  }

  /** Disconnects; nothing reconnects until open(). */
  close(): void {
    this.#closed = true;
    this.#socket?.disconnect();
    this.setStatus('offline');
  }

  setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#statusSince = Date.now();
    this.#events.status(status, this.#statusSince);
  }

  /**
   * Sends one event as it is and waits for its ack. Throws HotlineError: the server's code, TIMEOUT,
   * or DISCONNECTED when not connected.
   */
  async request<E extends ClientEvent>(event: E, payload: RequestOf<E>): Promise<ResultOf<E>> {
    if (!this.#socket?.connected) throw new HotlineError({ code: ErrorCode.DISCONNECTED, message: 'not connected' });
    const call: Calls[E] = this.#calls[event];
    let ack: Ack<ResultOf<E>>;
    try {
      ack = await call(payload);
    } catch {
      throw new HotlineError({ code: ErrorCode.TIMEOUT, message: `${event}: no answer within ${this.#options.ackTimeoutMs} ms` });
    }
    if (!ack.ok) throw new HotlineError(ack.error);
    // The ack without its envelope flag.
    const result: ResultOf<E> = { ...ack };
    Reflect.deleteProperty(result, 'ok');
    return result;
  }

  #createSocket(): HotlineSocket {
    const auth = (cb: (data: object) => void) => {
      this.#presented = this.#options.token();
      cb({ token: this.#presented });
    };
    const transport = this.#options.transport;
    const socket: HotlineSocket = transport ? transport.socket('/', { auth }) : io(this.#options.url, { auth, ...transportOptions(this.#options.socket) });
    socket.on('connect', () => {
      this.setStatus('connected');
      this.#events.connected();
    });
    socket.on('disconnect', (reason) => {
      // Anything socket.io buffered while offline would go out later without our timeouts: drop it, the
      // outbox resends under the same ids.
      socket.sendBuffer = [];
      if (this.#closed) return;
      this.setStatus('reconnecting');
      if (reason === 'io server disconnect') {
        // The server let us go (shutdown, or an expired token): try again; a refused token shows up as
        // connect_error UNAUTHENTICATED.
        setTimeout(() => {
          if (!this.#closed && !socket.connected) socket.connect();
        }, retryDelay(0, { baseMs: 600, maxMs: 600 }));
      }
    });
    let shed = 0;
    socket.on('connect', () => {
      shed = 0;
    });
    socket.on('connect_error', (err: Error & { data?: { reason?: string; code?: string; retryAfterMs?: number } }) => {
      if (err.message === ErrorCode.UNAUTHENTICATED) {
        this.#events.refused(err.data?.reason ?? 'token refused', this.#presented);
        return;
      }
      if (err.data?.code === ErrorCode.UNAVAILABLE) {
        // The node sheds load (too many handshakes at once, or it is shutting down). A refusal by the
        // server does not reconnect by itself: come back after the time it asked for, with jitter.
        const delay = retryDelay(shed++, { baseMs: 500, maxMs: 10_000 }, new HotlineError({ code: ErrorCode.UNAVAILABLE, message: err.message, details: { retryAfterMs: err.data.retryAfterMs } }));
        setTimeout(() => {
          if (!this.#closed && !socket.connected) socket.connect();
        }, delay);
      }
      if (this.#status !== 'connecting') this.setStatus('reconnecting');
    });
    socket.on('entry', (entry) => this.#events.entry(entry));
    socket.on('presence', (p) => this.#events.presence(p));
    socket.on('escalation', (e) => this.#events.escalation(e));
    socket.on('checkpoint', (cp) => this.#events.checkpoint(cp));
    return socket;
  }
}
