import { createEvent, type TenantryEvent } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import {
  ADMIN,
  gatewayBatch,
  startObservabilityHarness,
  TestClock,
  type ObservabilityHarness,
} from '../test-support/observability-harness';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

describeWithInfra('burn-rate alerts from two replicas on Kafka and the MongoDB-compatible server', ['kafka', 'mongo'], (infra) => {
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    MONGODB_URI: infra.mongodbUri,
    KAFKA_NAMESPACE: uniqueName('obs-alerts'),
    ADMIN_API_KEY: 'int-test-admin-key'.padEnd(40, 'a'),
  };
  // A minute of its own in the future, so this run's rollups are its own in the shared database.
  const clock = new TestClock(new Date(Date.UTC(2031, 0, 1) + Math.floor(Math.random() * 500_000) * 60_000));
  let first: ObservabilityHarness;
  let second: ObservabilityHarness;

  beforeAll(async () => {
    first = await startObservabilityHarness({ env, clock });
    second = await startObservabilityHarness({ env, clock });
  });
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
  });

  it('when both replicas evaluate the same burn, then alert.fired and alert.resolved are each published once', async () => {
    const tenantId = uniqueName('ten_alerts');
    const page = `tenant-availability-enterprise:${tenantId}:page`;
    const ofPage = (events: TenantryEvent[], type: string) =>
      events.filter((event) => event.type === type && (event.data as { alert_id: string }).alert_id === page);
    await first.platform.bus.publish([
      createEvent('tenant.created', {
        tenantId,
        source: '/tenantry/tenants',
        data: { ...EXAMPLE_EVENT_DATA['tenant.created'], tenant_id: tenantId, subscription_tier: 'enterprise' },
      }),
    ]);
    // 1,000 valid requests, 2 bad: (2 / 1000) / 0.0001 = 20× against 99.99 %.
    await first.platform.bus.publish([gatewayBatch(tenantId, new Date(clock.at.getTime() - 60_000), [{ requests: 1000, errors: 2 }])]);
    for (const replica of [first, second]) {
      await eventually(
        async () => {
          const reply = await replica.call(ADMIN, 'GET', `/api/v1/observability/sla/gateway?tenant_id=${tenantId}`);
          const slo = reply.body.slos?.[0];
          if (slo?.slo === 'tenant-availability-enterprise' && slo.valid_events === 1000) return true;
          throw new Error(JSON.stringify(reply.body).slice(0, 300));
        },
        { timeoutMs: 60_000, description: 'the profile and the traffic consumed' },
      );
    }

    const fired = (await Promise.all([first.evaluate(), second.evaluate(), first.evaluate(), second.evaluate()])).flatMap(
      (result) => result.fired,
    );
    expect(fired.filter((id) => id === page)).toHaveLength(1);

    clock.advance(2 * HOUR);
    const resolved = (await Promise.all([first.evaluate(), second.evaluate(), second.evaluate()])).flatMap((result) => result.resolved);
    expect(resolved.filter((id) => id === page)).toHaveLength(1);

    await eventually(
      () => ofPage(first.alertEvents, 'alert.resolved').length >= 1 && ofPage(first.alertEvents, 'alert.fired').length >= 1,
      { timeoutMs: 30_000, description: 'both events through Kafka' },
    );
    expect(ofPage(first.alertEvents, 'alert.fired')).toHaveLength(1);
    expect(ofPage(first.alertEvents, 'alert.resolved')).toHaveLength(1);
    expect(ofPage(first.alertEvents, 'alert.fired')[0]?.data).toMatchObject({ tenant_id: tenantId, severity: 'page', objective: 0.9999 });
  });
});
