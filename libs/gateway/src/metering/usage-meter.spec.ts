import { parseEvent, type CloudEvent } from '@tenantry/contracts';
import type { EventBus } from '@tenantry/event-bus';
import { createLogger } from '@tenantry/telemetry';
import { UsageMeter, type UsageRecord } from './usage-meter';

const logger = createLogger({ service: 'gateway', level: 'silent' });

class RecordingBus {
  readonly published: CloudEvent[] = [];
  failing = false;
  async publish(events: readonly CloudEvent[]): Promise<void> {
    if (this.failing) throw new Error('broker unreachable');
    this.published.push(...events);
  }
}

const request = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  tenantId: 'ten_a',
  timezone: 'Europe/Ljubljana',
  service: 'tenants',
  route: '/api/v1/tenants/*',
  method: 'GET',
  statusCode: 200,
  latencyMs: 3,
  cacheHit: false,
  rateLimited: false,
  ...overrides,
});

function setUp(clockStart = 1_700_000_000_000) {
  const bus = new RecordingBus();
  let clock = clockStart;
  const meter = new UsageMeter({ bus: bus as unknown as EventBus, logger, reporter: 'gw-1', flushIntervalMs: 1_000, now: () => clock });
  return { bus, meter, advance: (ms: number) => (clock += ms) };
}

describe('UsageMeter', () => {
  it('when requests of two tenants are flushed, then each tenant gets one valid metric.recorded event with exact counts', async () => {
    const { bus, meter, advance } = setUp();
    for (let i = 0; i < 5; i += 1) meter.record(request());
    meter.record(request({ statusCode: 503, latencyMs: 40 }));
    meter.record(request({ statusCode: 429, rateLimited: true }));
    meter.record(request({ cacheHit: true, latencyMs: 0.2 }));
    meter.record(request({ tenantId: 'ten_b', method: 'POST' }));
    advance(1_000);
    await meter.flush();

    expect(bus.published).toHaveLength(2);
    const [a, b] = bus.published.map((event) => parseEvent(event));
    expect(a?.subject).toBe('ten_a');
    expect(a?.data).toMatchObject({
      tenant_id: 'ten_a',
      reporter: 'gw-1',
      samples: [{ request_count: 8, error_count: 1, client_error_count: 1, cache_hit_count: 1, rate_limited_count: 1 }],
    });
    expect(b?.data).toMatchObject({ tenant_id: 'ten_b', samples: [{ method: 'POST', request_count: 1 }] });
    expect(meter.stats()).toEqual({ recorded: 9, published: 9, pendingEvents: 0 });
  });

  it('when a batch is flushed, then it carries the time zone the daily quota of its tenant used, so metering counts the same local day', async () => {
    const { bus, meter, advance } = setUp();
    meter.record(request());
    meter.record(request({ tenantId: 'ten_utc', timezone: 'UTC' }));
    advance(1_000);
    await meter.flush();
    expect(bus.published.map((event) => parseEvent(event).data)).toEqual([
      expect.objectContaining({ tenant_id: 'ten_a', timezone: 'Europe/Ljubljana' }),
      expect.objectContaining({ tenant_id: 'ten_utc', timezone: 'UTC' }),
    ]);
  });

  it('when nothing happened, then a flush publishes nothing', async () => {
    const { bus, meter } = setUp();
    await meter.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('when the broker is down, then the batch is kept and published with the next flush, counted once', async () => {
    const { bus, meter, advance } = setUp();
    meter.record(request());
    bus.failing = true;
    advance(1_000);
    await meter.flush();
    expect(meter.stats()).toMatchObject({ recorded: 1, published: 0, pendingEvents: 1 });

    meter.record(request());
    bus.failing = false;
    advance(1_000);
    await meter.flush();
    const total = bus.published
      .map((event) => parseEvent(event))
      .flatMap((event) => (event.data as { samples: Array<{ request_count: number }> }).samples)
      .reduce((sum, sample) => sum + sample.request_count, 0);
    expect(total).toBe(2);
    expect(bus.published).toHaveLength(2);
    expect(meter.stats()).toEqual({ recorded: 2, published: 2, pendingEvents: 0 });
  });

  it('when the meter stops, then what was recorded since the last flush is published', async () => {
    const { bus, meter } = setUp();
    meter.start();
    meter.record(request());
    await meter.stop();
    expect(bus.published).toHaveLength(1);
  });

  it('when windows follow each other, then they do not overlap', async () => {
    const { bus, meter, advance } = setUp();
    meter.record(request());
    advance(1_000);
    await meter.flush();
    meter.record(request());
    advance(1_000);
    await meter.flush();
    const windows = bus.published.map((event) => (event.data as { window: { start: string; end: string } }).window);
    expect(windows[1]?.start).toBe(windows[0]?.end);
  });
});
