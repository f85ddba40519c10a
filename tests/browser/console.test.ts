import { afterAll, describe } from 'vitest';
import { adminConnection, deleteTopology, uniquePrefix } from '../integration/messaging/rabbitmq-kit.js';
import { requireMariaDb, requireRabbitMq } from '../support/services.js';
import { startTestService } from '../support/test-service.js';
import { requireBrowser } from './console-kit.js';
import { consoleScenario } from './console-scenario.js';

const browser = requireBrowser();

/**
 * The replayed poison message dies again after MESSAGE_RETRY_DELAY_MS (it is still poison), so the
 * delay keeps "it left the list" observable; load shedding is off because a shared, busy machine
 * is not what these tests are about.
 */
const common = {
  RATE_LIMIT_MAX: '0',
  MESSAGE_MAX_ATTEMPTS: '2',
  MESSAGE_RETRY_DELAY_MS: '4000',
  HEALTH_EVENT_LOOP_DELAY_MS: '60000',
  HEALTH_MEMORY_LIMIT_MB: '100000',
};

describe.skipIf(!browser)('the console in Chromium, embedded shape (SQLite, in-process bus)', () => {
  consoleScenario('embedded', () => startTestService('sqlite', common));
});

const connected = browser && (await requireMariaDb()) && (await requireRabbitMq());

describe.skipIf(!connected)('the console in Chromium, connected shape (MariaDB, RabbitMQ)', () => {
  const prefix = uniquePrefix();
  afterAll(async () => {
    const admin = adminConnection();
    await deleteTopology(admin, prefix);
    await admin.close();
  });
  consoleScenario('connected', () =>
    startTestService('mysql', {
      ...common,
      RABBITMQ_HOST: process.env.RABBITMQ_HOST || '127.0.0.1',
      RABBITMQ_NAME_PREFIX: prefix,
      SIMULATORS_EMBEDDED: 'true',
      OUTBOX_POLL_MS: '50',
    }),
  );
});
