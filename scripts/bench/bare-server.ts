/**
 * The bare baseline of the relay and memory benchmarks: Socket.IO with the Redis adapter and nothing
 * else. No persistence, no authentication, no validation: a client joins the room named in its
 * handshake, and each `send` is emitted to that room (the sender left out, as the hotline does) and acked.
 *   PORT=0 REDIS_URL=redis://127.0.0.1:6379 node --import tsx scripts/bench/bare-server.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pub = new Redis(url);
const sub = new Redis(url);
for (const c of [pub, sub]) c.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
/** BENCH_BARE_APPEND=1: also append each message to a Redis stream (a diagnostic baseline). */
const cmd = process.env.BENCH_BARE_APPEND === '1' ? new Redis(url) : null;
cmd?.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
const httpServer = createServer();
const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: 10_000,
  pingTimeout: 10_000,
  adapter: createAdapter(pub, sub, { key: 'bench-bare-io' }),
});
io.on('connection', (socket) => {
  const room = (socket.handshake.auth as { room?: unknown }).room;
  if (typeof room === 'string') void socket.join(room);
  socket.on('send', (msg: { room: string }, ack?: (a: unknown) => void) => {
    if (cmd) {
      // The "bare + append" variant: each message also appended to a Redis stream before the relay.
      void cmd.xadd(`bench-bare:log:${msg.room}`, '*', 'e', JSON.stringify(msg)).then(() => {
        socket.to(msg.room).emit('entry', msg);
        if (typeof ack === 'function') ack({ ok: true });
      });
      return;
    }
    socket.to(msg.room).emit('entry', msg);
    if (typeof ack === 'function') ack({ ok: true });
  });
});
httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (httpServer.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  void io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});
