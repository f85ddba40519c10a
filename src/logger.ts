import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** JSON logs in production, pretty ones in development; secrets never reach the output. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.password',
        '*.secret',
        'config.jwt.secret',
        'config.database.password',
        'config.rabbitmq.password',
      ],
      censor: '[redacted]',
    },
    ...(config.env === 'development' && {
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    }),
  });
}
