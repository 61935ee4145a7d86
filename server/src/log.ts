import pino, { type Logger } from 'pino';

export type { Logger };

/** The root logger. Every room takes a child: `log.child({ room: 'gateway' })`. */
export function createLogger(options: { level: string; nodeId: string }): Logger {
  return pino({
    level: options.level,
    base: { node: options.nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'token',
        '*.token',
        'auth.token',
        'password',
        '*.password',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
