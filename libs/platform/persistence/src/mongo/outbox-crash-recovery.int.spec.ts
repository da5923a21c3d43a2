import { createEvent } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, KafkaEventBus, OutboxRelay, type Subscription } from '@tenantry/event-bus';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { z } from 'zod';
import { defineCollection } from '../collection';
import { connectMongo } from './connect';

const logger = pino({ level: 'silent' });

const tenantRecords = defineCollection({
  name: uniqueName('tenant_records'),
  schema: z.object({ name: z.string(), status: z.enum(['trial', 'active']) }),
  idPrefix: 'ten_',
});

function tenantCreated(tenantId: string, name: string) {
  const now = new Date().toISOString();
  return createEvent('tenant.created', {
    tenantId,
    source: '/tenantry/tests',
    data: { tenant_id: tenantId, name, subscription_tier: 'basic', status: 'trial', timezone: 'Europe/Ljubljana', created_at: now },
  });
}

/**
 * MISSION §8 "a process killed between write and publish: the event still arrives". The first
 * process commits a document with its event and is gone before anything relays it; a process started
 * afterwards, with a fresh relay, publishes it to Kafka exactly once. The "crash" here is a graceful
 * close(); `outbox-sigkill.int.spec.ts` kills a real child process with SIGKILL at chosen points.
 */
describeWithInfra('outbox after a crash between write and publish', ['mongo', 'kafka'], (infra) => {
  jest.setTimeout(90_000);

  it('when the writer dies before relaying, then a fresh relay in a new process delivers the event once', async () => {
    const tenantId = uniqueName('ten');
    const committed = tenantCreated(tenantId, 'Acme');

    // Process 1: commits state + event in one document write, then "dies" (no relay ever ran).
    const crashed = await connectMongo({ uri: infra.mongodbUri, logger });
    const document = await (
      await crashed.repository(tenantRecords)
    ).insert(tenantId, { name: 'Acme', status: 'trial' }, { id: tenantId, events: [committed] });
    await crashed.close();

    // Process 2: a fresh connection, bus, consumer and relay.
    const restarted = await connectMongo({ uri: infra.mongodbUri, logger });
    const tenants = await restarted.repository(tenantRecords);
    const bus = new KafkaEventBus({
      brokers: infra.kafkaBrokers,
      clientId: 'persistence-crash-test',
      logger,
      topicPrefix: `${uniqueName('crash')}.`,
      consumer: { heartbeatIntervalMs: 500, maxWaitTimeMs: 200 },
    });
    const received: string[] = [];
    let subscription: Subscription | undefined;
    const relay = new OutboxRelay({ source: restarted.createOutboxSource(), bus, logger, pollIntervalMs: 100 });
    try {
      await bus.ensureTopics(['tenant.created']);
      subscription = await bus.subscribe({
        groupId: uniqueName('crash-observer'),
        eventTypes: ['tenant.created'],
        fromBeginning: true,
        retry: DEFAULT_RETRY_POLICY,
        handler: async (event) => {
          received.push(event.id);
        },
      });
      relay.start();

      await eventually(() => received.includes(committed.id), {
        timeoutMs: 30_000,
        description: 'the committed event to reach the consumer',
      });
      // A later event of the same tenant travels the same partition: once it is in, any duplicate would be too.
      const sentinel = tenantCreated(tenantId, 'Sentinel');
      await tenants.update(tenantId, document.id, { status: 'active' }, { events: [sentinel] });
      relay.notify();
      await eventually(() => received.includes(sentinel.id), { timeoutMs: 30_000, description: 'the sentinel event' });

      expect(received.filter((id) => id === committed.id)).toHaveLength(1);
      expect(await restarted.createOutboxSource().claimPending(10, 1_000)).toEqual([]);
      expect(await tenants.findById(tenantId, document.id)).toMatchObject({ status: 'active', version: 2 });
    } finally {
      await relay.stop();
      await subscription?.stop();
      await bus.close();
      await restarted.close();
    }
  });
});
