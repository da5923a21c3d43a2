import type { TenantryEvent } from '@tenantry/contracts';
import { controlInfra, describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_RETRY_POLICY } from '../event-bus';
import { OutboxRelay } from '../outbox-relay';
import { describeEventBusContract } from '../test-support/event-bus.contract';
import { buildTenantUpdated } from '../test-support/events';
import { InMemoryOutbox } from '../test-support/in-memory-outbox';
import { FAST_CONSUMER, kafkaContractHarness, makeKafkaBus, testLogger } from '../test-support/kafka-harness';
import type { KafkaEventBus } from './kafka-event-bus';

const RETRY = { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 200 };

// One file, so that the restart test (which stops the shared broker) never overlaps the contract suite.
describeWithInfra('KafkaEventBus against a real broker', ['kafka'], (infra) => {
  describeEventBusContract('kafka', () => kafkaContractHarness(infra.kafkaBrokers), { deliveryTimeoutMs: 20_000, testTimeoutMs: 45_000 });

  describe('Kafka-specific behaviour', () => {
    let bus: KafkaEventBus;

    afterEach(async () => {
      await bus.close();
    }, 30_000);

    async function totalMessages(topic: string): Promise<number> {
      const admin = new Kafka({ clientId: 'event-bus-tests-admin', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
      } finally {
        await admin.disconnect();
      }
    }

    it('when 1000 publish calls are made at once, then they go out in far fewer produce requests and all arrive', async () => {
      bus = makeKafkaBus(infra.kafkaBrokers);
      const received = new Set<string>();
      await bus.subscribe({
        groupId: uniqueName('group'),
        eventTypes: ['tenant.updated'],
        retry: RETRY,
        handler: (event) => {
          received.add(event.id);
          return Promise.resolve();
        },
      });
      const tenants = Array.from({ length: 20 }, () => uniqueName('tenant'));
      const events = Array.from({ length: 1000 }, (_, i) => buildTenantUpdated(tenants[i % tenants.length] ?? 'none'));
      const before = bus.stats();

      await Promise.all(events.map((event) => bus.publish([event])));

      const after = bus.stats();
      expect(after.sendCalls - before.sendCalls).toBe(1000);
      expect(after.produceRequests - before.produceRequests).toBeLessThanOrEqual(20);
      await eventually(() => received.size === 1000, { timeoutMs: 20_000, description: 'all 1000 events to arrive' });
      await expect(totalMessages(bus.topicOf('tenant.updated'))).resolves.toBe(1000);
    }, 45_000);

    it('when one publish call carries several events of a type whose topic does not exist yet, then the topic is created and all arrive', async () => {
      bus = makeKafkaBus(infra.kafkaBrokers);
      const tenant = uniqueName('tenant');
      await bus.publish([buildTenantUpdated(tenant), buildTenantUpdated(tenant), buildTenantUpdated(tenant)]);
      await expect(totalMessages(bus.topicOf('tenant.updated'))).resolves.toBe(3);
    }, 45_000);

    it('when two namespaces share the broker, then each sees only its own events, under its own consumer group names', async () => {
      const [namespaceA, namespaceB] = [uniqueName('ns-a'), uniqueName('ns-b')];
      bus = makeKafkaBus(infra.kafkaBrokers, { topicPrefix: `${namespaceA}.`, groupPrefix: `${namespaceA}.` });
      const other = makeKafkaBus(infra.kafkaBrokers, { topicPrefix: `${namespaceB}.`, groupPrefix: `${namespaceB}.` });
      try {
        const [seenA, seenB]: [string[], string[]] = [[], []];
        // The same logical group in both: without the prefix they would split one topic's partitions.
        await bus.subscribe({
          groupId: 'billing-tenants',
          eventTypes: ['tenant.updated'],
          fromBeginning: true,
          retry: DEFAULT_RETRY_POLICY,
          handler: async (event) => {
            seenA.push(event.id);
          },
        });
        await other.subscribe({
          groupId: 'billing-tenants',
          eventTypes: ['tenant.updated'],
          fromBeginning: true,
          retry: DEFAULT_RETRY_POLICY,
          handler: async (event) => {
            seenB.push(event.id);
          },
        });
        const [forA, forB] = [buildTenantUpdated(uniqueName('tenant')), buildTenantUpdated(uniqueName('tenant'))];
        await bus.publish([forA]);
        await other.publish([forB]);

        await eventually(() => seenA.length === 1 && seenB.length === 1, {
          timeoutMs: 20_000,
          description: 'each namespace to receive its event',
        });
        expect([seenA, seenB]).toEqual([[forA.id], [forB.id]]);
        expect(bus.topicOf('tenant.updated')).toBe(`${namespaceA}.tenant.updated`);
        const health = await bus.health();
        expect(health.subscriptions.map((subscription) => subscription.groupId)).toEqual([`${namespaceA}.billing-tenants`]);
      } finally {
        await other.close();
      }
    }, 45_000);

    it('when a group failed an event, then replaying its dead letters hands the event to that group only, once', async () => {
      bus = makeKafkaBus(infra.kafkaBrokers);
      const tenant = uniqueName('tenant');
      const handledBy: Record<'billing' | 'audit', string[]> = { billing: [], audit: [] };
      let billingBroken = true;
      const retry = { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 };
      await bus.subscribe({
        groupId: 'billing-tenants',
        eventTypes: ['tenant.updated'],
        fromBeginning: true,
        retry,
        handler: async (event) => {
          if (billingBroken) throw new Error('billing cannot handle this yet');
          handledBy.billing.push(event.id);
        },
      });
      await bus.subscribe({
        groupId: 'audit',
        eventTypes: ['tenant.updated'],
        fromBeginning: true,
        retry,
        handler: async (event) => void handledBy.audit.push(event.id),
      });

      const failed = buildTenantUpdated(tenant);
      await bus.publish([failed]);
      // The dry run reads the DLQ without moving the replay's progress: it sees the letter once it is there.
      await eventually(
        async () => (await bus.replayDeadLetters('tenant.updated', { groupId: 'billing-tenants', dryRun: true })).replayed === 1,
        {
          timeoutMs: 20_000,
          intervalMs: 250,
          description: "billing's failure in the dead-letter topic",
        },
      );
      expect(handledBy).toEqual({ billing: [], audit: [failed.id] });

      billingBroken = false;
      const report = await bus.replayDeadLetters('tenant.updated', { groupId: 'billing-tenants' });
      expect(report).toMatchObject({ examined: 1, replayed: 1, skipped: { otherGroups: 0, poison: 0 } });
      await eventually(() => handledBy.billing.length === 1, { timeoutMs: 20_000, description: 'billing to handle the replayed event' });

      // A sentinel on the same partition (same tenant) after the replayed copy: once audit has it, audit has passed the copy.
      const sentinel = buildTenantUpdated(tenant);
      await bus.publish([sentinel]);
      await eventually(() => handledBy.audit.includes(sentinel.id) && handledBy.billing.includes(sentinel.id), {
        timeoutMs: 20_000,
        description: 'the sentinel',
      });
      expect(handledBy).toEqual({ billing: [failed.id, sentinel.id], audit: [failed.id, sentinel.id] });
      // Replayed once: a second replay finds nothing new.
      expect(await bus.replayDeadLetters('tenant.updated', { groupId: 'billing-tenants' })).toMatchObject({ examined: 0, replayed: 0 });
    }, 60_000);

    it('when a batch handler runs longer than the session timeout, then the member keeps heartbeating: no rebalance, nothing redelivered', async () => {
      bus = makeKafkaBus(infra.kafkaBrokers);
      const tenant = uniqueName('tenant');
      const waiting = [buildTenantUpdated(tenant, 'one'), buildTenantUpdated(tenant, 'two')];
      await bus.publish(waiting);
      const calls: string[][] = [];
      const slowWorkMs = (FAST_CONSUMER?.sessionTimeoutMs ?? 10_000) + 2_000;
      await bus.subscribe({
        groupId: uniqueName('group'),
        eventTypes: ['tenant.updated'],
        retry: RETRY,
        handler: () => Promise.reject(new Error('only a failed batch goes one by one')),
        batch: {
          handler: async (deliveries) => {
            calls.push(deliveries.map(({ event }) => event.id));
            // The first batch is slow work (say, a slow database): longer than the broker waits for a heartbeat.
            if (calls.length === 1) await new Promise((resolve) => setTimeout(resolve, slowWorkMs));
          },
        },
      });
      await eventually(() => calls.length === 1, { timeoutMs: 20_000, description: 'the slow batch to start' });

      const marker = buildTenantUpdated(tenant, 'after the slow batch');
      await bus.publish([marker]);

      await eventually(() => calls.flat().includes(marker.id), {
        timeoutMs: 30_000,
        description: 'the event published after the slow batch',
      });
      expect(calls.flat()).toEqual([...waiting, marker].map((event) => event.id));
      expect((await bus.health()).subscriptions.map((subscription) => subscription.state)).toEqual(['running']);
    }, 45_000);

    it('when the broker is down, then the relay holds the outbox event and retries, and after the restart it arrives exactly once', async () => {
      bus = makeKafkaBus(infra.kafkaBrokers, { producer: { retries: 2 } });
      const received: TenantryEvent[] = [];
      await bus.subscribe({
        groupId: uniqueName('group'),
        eventTypes: ['tenant.updated'],
        retry: RETRY,
        handler: (event) => {
          received.push(event);
          return Promise.resolve();
        },
      });
      const stoppedDuringOutage: TenantryEvent[] = [];
      const leaving = await bus.subscribe({
        groupId: uniqueName('group'),
        eventTypes: ['tenant.updated'],
        retry: RETRY,
        handler: (event) => {
          stoppedDuringOutage.push(event);
          return Promise.resolve();
        },
      });
      const outbox = new InMemoryOutbox();
      const relay = new OutboxRelay({
        source: outbox,
        bus,
        logger: testLogger,
        pollIntervalMs: 200,
        initialBackoffMs: 100,
        maxBackoffMs: 1_000,
      });
      relay.start();
      const tenant = uniqueName('tenant');
      const before = buildTenantUpdated(tenant, 'before the outage');
      outbox.add(before);
      relay.notify();
      await eventually(() => received.length === 1, { timeoutMs: 20_000, description: 'the event published before the outage' });

      const during = buildTenantUpdated(tenant, 'during the outage');
      await controlInfra('stop', 'kafka');
      try {
        outbox.add(during);
        relay.notify();
        await eventually(() => relay.stats().failedAttempts >= 2, { timeoutMs: 30_000, description: 'the relay to fail and retry' });
        expect(outbox.pending().map((entry) => entry.event.id)).toEqual([during.id]);
        expect(received.map((event) => event.id)).toEqual([before.id]);
        // A service shutting down during the outage: stop() returns (the test would hang otherwise), and no consumer lingers.
        await leaving.stop({ timeoutMs: 1_000 });
      } finally {
        await controlInfra('start', 'kafka');
      }

      await eventually(() => received.length === 2, { timeoutMs: 60_000, description: 'the outbox event after the restart' });
      await eventually(() => outbox.pending().length === 0, { description: 'the outbox to be empty' });
      await relay.stop();
      expect(received.map((event) => event.id)).toEqual([before.id, during.id]);
      expect(stoppedDuringOutage.map((event) => event.id)).toEqual([before.id]);
      expect((await bus.health()).subscriptions).toHaveLength(1);
      // Exactly once in the log too: no duplicate was written by the retries.
      await expect(totalMessages(bus.topicOf('tenant.updated'))).resolves.toBe(2);
    }, 150_000);
  });
});
