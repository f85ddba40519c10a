import type { Config } from '../../config.js';

export function rabbitMqUrl(rabbitmq: NonNullable<Config['rabbitmq']>): string {
  const auth = `${encodeURIComponent(rabbitmq.user)}:${encodeURIComponent(rabbitmq.password)}`;
  return `amqp://${auth}@${rabbitmq.host}:${rabbitmq.port}/${encodeURIComponent(rabbitmq.vhost)}`;
}
