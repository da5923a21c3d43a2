import { eventually } from '@tenantry/testing';
import pino from 'pino';
import { describeEventBusContract } from '../test-support/event-bus.contract';
import { buildTenantCreated, buildTenantUpdated } from '../test-support/events';
import { InMemoryEventBus } from './in-memory-event-bus';

describeEventBusContract('in-memory', () => {
  const bus = new InMemoryEventBus({ logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }) });
  return Promise.resolve({
    bus,
    publishRaw: (eventType, key, value) => bus.publishRaw({ topic: eventType, key, value: Buffer.from(value), headers: {} }),
    deadLetters: (eventType) => Promise.resolve(bus.deadLetters(eventType)),
    close: () => bus.close(),
  });
});

describe('InMemoryEventBus specifics', () => {
  const logger = pino({ level: 'silent' });
  const retry = { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 };

  it('when publish is called, then no handler runs before publish returns', async () => {
    const bus = new InMemoryEventBus({ logger });
    let calls = 0;
    await bus.subscribe({ groupId: 'g', eventTypes: ['tenant.updated'], retry, handler: () => Promise.resolve(void (calls += 1)) });

    const publishing = bus.publish([buildTenantUpdated('t-1')]);
    expect(calls).toBe(0);
    await publishing;
    expect(calls).toBe(0);

    await eventually(() => calls === 1, { description: 'the asynchronous delivery' });
    await bus.close();
  });

  it('when a group subscribes after events were published, then it receives them; with fromBeginning false, only newer ones', async () => {
    const bus = new InMemoryEventBus({ logger });
    const old = buildTenantUpdated('t-1', 'old');
    await bus.publish([old]);
    const fromStart: string[] = [];
    const onlyNew: string[] = [];
    await bus.subscribe({
      groupId: 'from-start',
      eventTypes: ['tenant.updated'],
      retry,
      handler: (event) => Promise.resolve(void fromStart.push(event.id)),
    });
    await bus.subscribe({
      groupId: 'only-new',
      eventTypes: ['tenant.updated'],
      retry,
      fromBeginning: false,
      handler: (event) => Promise.resolve(void onlyNew.push(event.id)),
    });
    const fresh = buildTenantUpdated('t-1', 'new');

    await bus.publish([fresh]);

    await eventually(() => fromStart.length === 2 && onlyNew.length === 1, { description: 'both groups' });
    expect(fromStart).toEqual([old.id, fresh.id]);
    expect(onlyNew).toEqual([fresh.id]);
    await bus.close();
  });

  it('when many events were consumed by every group, then old records are trimmed but retained up to the limit', async () => {
    const bus = new InMemoryEventBus({ logger, partitions: 1, retainedPerPartition: 10 });
    let handled = 0;
    await bus.subscribe({ groupId: 'g', eventTypes: ['tenant.updated'], retry, handler: () => Promise.resolve(void (handled += 1)) });

    await bus.publish(Array.from({ length: 100 }, () => buildTenantUpdated('t-1')));
    await eventually(() => handled === 100, { description: 'all events' });

    const late: string[] = [];
    await bus.subscribe({
      groupId: 'late',
      eventTypes: ['tenant.updated'],
      retry,
      handler: (event) => Promise.resolve(void late.push(event.id)),
    });
    await eventually(() => late.length > 0, { description: 'the retained tail' });
    expect(late.length).toBeGreaterThanOrEqual(10);
    expect(late.length).toBeLessThanOrEqual(30);
    await bus.close();
  });

  it('when a handler subscribes to several types, then it gets each event typed by its type', async () => {
    const bus = new InMemoryEventBus({ logger });
    const seen: string[] = [];
    await bus.subscribe({
      groupId: 'typed',
      eventTypes: ['tenant.created', 'tenant.updated'],
      retry,
      handler: (event) => {
        switch (event.type) {
          case 'tenant.created':
            seen.push(`created:${event.data.subscription_tier}`); // only tenant.created data has a tier
            break;
          case 'tenant.updated':
            seen.push(`updated:${event.data.changes.name ?? ''}`);
            break;
        }
        return Promise.resolve();
      },
    });

    await bus.publish([buildTenantCreated('t-1'), buildTenantUpdated('t-1', 'renamed')]);

    await eventually(() => seen.length === 2, { description: 'both events' });
    expect(seen).toEqual(['created:basic', 'updated:renamed']);
    await bus.close();
  });

  it('when closed, then publish and subscribe are refused and health says down', async () => {
    const bus = new InMemoryEventBus({ logger });
    await bus.close();

    await expect(bus.publish([buildTenantUpdated('t-1')])).rejects.toThrow('closed');
    await expect(bus.health()).resolves.toMatchObject({ status: 'down' });
  });
});
