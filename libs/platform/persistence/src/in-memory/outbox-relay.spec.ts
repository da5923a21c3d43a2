import { createEvent } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, InMemoryEventBus, OutboxRelay } from '@tenantry/event-bus';
import { eventually, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { z } from 'zod';
import { defineCollection } from '../collection';
import { createInMemoryPersistence } from './in-memory-persistence';

const logger = pino({ level: 'silent' });

describe('in-memory outbox with the OutboxRelay (embedded mode)', () => {
  it('when a write carries an event, then the relay publishes it once and the outbox empties', async () => {
    const persistence = createInMemoryPersistence();
    const notes = await persistence.repository(defineCollection({ name: 'notes', schema: z.object({ text: z.string() }) }));
    const bus = new InMemoryEventBus({ logger });
    const relay = new OutboxRelay({ source: persistence.createOutboxSource(), bus, logger, pollIntervalMs: 20 });
    const received: string[] = [];
    const subscription = await bus.subscribe({
      groupId: 'observer',
      eventTypes: ['tenant.updated'],
      retry: DEFAULT_RETRY_POLICY,
      handler: async (event) => {
        received.push(event.id);
      },
    });
    const tenantId = uniqueName('ten');
    const event = createEvent('tenant.updated', {
      tenantId,
      source: '/tests',
      data: { tenant_id: tenantId, changes: { name: 'Renamed' }, updated_at: new Date().toISOString() },
    });
    try {
      await notes.insert(tenantId, { text: 'hello' }, { events: [event] });
      relay.start();

      await eventually(() => received.length === 1 && relay.stats().published === 1, { description: 'the event to be relayed' });
      expect(received).toEqual([event.id]);
      expect(await persistence.createOutboxSource().claimPending(10, 1_000)).toEqual([]);
    } finally {
      await relay.stop();
      await subscription.stop();
      await bus.close();
    }
  });
});
