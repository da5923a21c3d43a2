import type { CloudEvent, EventType } from '@tenantry/contracts';
import { eventually } from '@tenantry/testing';
import pino from 'pino';
import type { EventBus, EventBusHealth, Subscription } from './event-bus';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { buildTenantUpdated } from './test-support/events';
import { InMemoryOutbox } from './test-support/in-memory-outbox';

const logger = pino({ level: 'silent' });

/** A bus whose publish the test controls: it records every attempt and fails while `down` is set. */
class ScriptedBus implements EventBus {
  readonly attempts: Array<{ at: number; ids: string[] }> = [];
  readonly published: CloudEvent[] = [];
  down = false;
  hang = false;

  publish(events: readonly CloudEvent[]): Promise<void> {
    this.attempts.push({ at: Date.now(), ids: events.map((event) => event.id) });
    if (this.hang) return new Promise(() => undefined);
    if (this.down) return Promise.reject(new Error('broker unreachable'));
    this.published.push(...events);
    return Promise.resolve();
  }
  subscribe(): Promise<Subscription> {
    return Promise.reject(new Error('not used'));
  }
  ensureTopics(_eventTypes: readonly EventType[]): Promise<void> {
    return Promise.resolve();
  }
  health(): Promise<EventBusHealth> {
    return Promise.resolve({ status: 'up', adapter: 'in-memory', subscriptions: [] });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('OutboxRelay', () => {
  const relays: OutboxRelay[] = [];
  function relayOf(options: Partial<OutboxRelayOptions> & Pick<OutboxRelayOptions, 'source' | 'bus'>): OutboxRelay {
    const relay = new OutboxRelay({
      logger,
      batchSize: 10,
      leaseMs: 5_000,
      pollIntervalMs: 60_000,
      initialBackoffMs: 20,
      maxBackoffMs: 200,
      ...options,
    });
    relays.push(relay);
    return relay;
  }

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });

  it('when started, then pending events are published and marked published', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    const events = [buildTenantUpdated('t-1'), buildTenantUpdated('t-2')];
    outbox.add(...events);

    relayOf({ source: outbox, bus }).start();

    await eventually(() => outbox.pending().length === 0, { description: 'the outbox to drain' });
    expect(bus.published.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('when notified after a write, then the relay publishes at once instead of at the next poll', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    const relay = relayOf({ source: outbox, bus, pollIntervalMs: 60_000 });
    relay.start();
    await eventually(() => outbox.calls.claim === 1, { description: 'the first (empty) round' });

    const event = buildTenantUpdated('t-1');
    outbox.add(event);
    relay.notify();

    await eventually(() => bus.published.length === 1, { timeoutMs: 1_000, description: 'the notified publish' });
    expect(relay.stats()).toMatchObject({ published: 1, consecutiveFailures: 0 });
  });

  it('when the bus is down, then the events stay pending, retries back off exponentially, and they are published once it is back', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    bus.down = true;
    const event = buildTenantUpdated('t-1');
    outbox.add(event);
    const relay = relayOf({ source: outbox, bus, initialBackoffMs: 20, maxBackoffMs: 1_000 });

    relay.start();
    await eventually(() => bus.attempts.length >= 4, { description: 'four failed attempts' });
    expect(outbox.pending()).toEqual([expect.objectContaining({ attempts: expect.any(Number), lastError: 'broker unreachable' })]);
    expect(relay.stats()).toMatchObject({ published: 0, failedAttempts: bus.attempts.length });
    expect(relay.stats().consecutiveFailures).toBeGreaterThanOrEqual(4);
    const gaps = bus.attempts.slice(1).map((attempt, i) => attempt.at - (bus.attempts[i]?.at ?? 0));
    // Equal jitter: the 1st wait is 10–20 ms, the 3rd 40–80 ms.
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? Infinity);
    bus.down = false;

    await eventually(() => outbox.pending().length === 0, { description: 'the event to be published' });
    expect(bus.published.map((published) => published.id)).toEqual([event.id]);
    expect(relay.stats()).toMatchObject({ published: 1, consecutiveFailures: 0 });
  });

  it('when the outbox cannot be read, then the relay backs off and recovers', async () => {
    const outbox = new InMemoryOutbox();
    outbox.claimError = new Error('database down');
    const bus = new ScriptedBus();
    outbox.add(buildTenantUpdated('t-1'));
    const relay = relayOf({ source: outbox, bus });

    relay.start();
    await eventually(() => outbox.calls.claim >= 3, { description: 'repeated claim attempts' });
    expect(relay.stats().consecutiveFailures).toBeGreaterThanOrEqual(2);
    outbox.claimError = undefined;

    await eventually(() => bus.published.length === 1, { description: 'the publish after recovery' });
  });

  it('when a tenant has more events than a batch, then they are published in commit order', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    const events = Array.from({ length: 30 }, (_, i) => buildTenantUpdated(`t-${i % 3}`, `seq-${i}`));
    outbox.add(...events);

    relayOf({ source: outbox, bus, batchSize: 4 }).start();

    await eventually(() => bus.published.length === 30, { description: 'all 30 events' });
    for (const tenant of ['t-0', 't-1', 't-2']) {
      const ids = (list: CloudEvent[]) => list.filter((event) => event.subject === tenant).map((event) => event.id);
      expect(ids(bus.published)).toEqual(ids(events));
    }
    expect(bus.attempts.every((attempt) => attempt.ids.length <= 4)).toBe(true);
  });

  it('when a relay dies mid-publish, then another relay publishes its batch once the lease expired, not before', async () => {
    const outbox = new InMemoryOutbox();
    const stuckBus = new ScriptedBus();
    stuckBus.hang = true;
    const healthyBus = new ScriptedBus();
    const event = buildTenantUpdated('t-1');
    outbox.add(event);
    const leaseMs = 300;

    const stuck = new OutboxRelay({ source: outbox, bus: stuckBus, logger, leaseMs, pollIntervalMs: 60_000 });
    stuck.start(); // never stopped: its publish never returns, as if the process had died
    await eventually(() => stuckBus.attempts.length === 1, { description: 'the first relay to claim' });
    const claimedAt = stuckBus.attempts[0]?.at ?? 0;
    relayOf({ source: outbox, bus: healthyBus, leaseMs, pollIntervalMs: 20 }).start();

    await eventually(() => healthyBus.published.length === 1, { description: 'the second relay to publish' });
    expect((healthyBus.attempts[0]?.at ?? 0) - claimedAt).toBeGreaterThanOrEqual(leaseMs - 5);
    expect(healthyBus.published.map((published) => published.id)).toEqual([event.id]);
    expect(outbox.pending()).toEqual([]);
  });

  it('when an event breaks its contract, then it is set aside as failed and the rest of the batch is published', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    const good = buildTenantUpdated('t-1');
    const broken = { ...buildTenantUpdated('t-2'), data: { nonsense: true } };
    outbox.add(broken, good);
    const relay = relayOf({ source: outbox, bus });

    relay.start();

    await eventually(() => bus.published.length === 1, { description: 'the valid event' });
    expect(bus.published[0]?.id).toBe(good.id);
    await eventually(() => outbox.pending().length === 1 && (outbox.pending()[0]?.lastError ?? '').startsWith('invalid event'), {
      description: 'the broken event to stay, marked failed',
    });
    expect(relay.stats().invalidEvents).toBeGreaterThanOrEqual(1);
  });

  it('when events wait because the bus is down, then the pending age is reported', async () => {
    const outbox = new InMemoryOutbox();
    const bus = new ScriptedBus();
    bus.down = true;
    outbox.add({ ...buildTenantUpdated('t-1'), time: new Date(Date.now() - 60_000).toISOString() });
    const relay = relayOf({ source: outbox, bus });

    relay.start();

    await eventually(() => relay.stats().failedAttempts >= 1, { description: 'a failed attempt' });
    expect(relay.stats().oldestPendingAgeMs).toBeGreaterThanOrEqual(60_000);
  });

  it('when stopped during a publish, then that publish completes and is marked before the relay stops', async () => {
    const outbox = new InMemoryOutbox();
    let release: () => void = () => undefined;
    const bus = new ScriptedBus();
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    bus.publish = (events) => {
      bus.attempts.push({ at: Date.now(), ids: events.map((event) => event.id) });
      return gate.then(() => {
        bus.published.push(...events);
      });
    };
    outbox.add(buildTenantUpdated('t-1'));
    const relay = relayOf({ source: outbox, bus });
    relay.start();
    await eventually(() => bus.attempts.length === 1, { description: 'the publish to start' });

    const stopped = relay.stop();
    release();
    await stopped;

    expect(outbox.pending()).toEqual([]);
    expect(relay.stats()).toMatchObject({ running: false, published: 1 });
    const claims = outbox.calls.claim;
    outbox.add(buildTenantUpdated('t-1'));
    relay.notify();
    expect(outbox.calls.claim).toBe(claims);
  });
});
