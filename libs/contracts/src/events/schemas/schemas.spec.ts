import { EXAMPLE_EVENT_DATA } from '../test-support/example-event-data';
import { invoiceIssuedV1 } from './invoice';
import { metricRecordedV1 } from './metric';
import { subscriptionUpgradedV1 } from './subscription';
import { tenantStatusChangedV1, tenantUpdatedV1 } from './tenant';

describe('event data schemas', () => {
  it('when a status change does not change the status, then it is rejected', () => {
    expect(tenantStatusChangedV1.safeParse({ ...EXAMPLE_EVENT_DATA['tenant.status_changed'], to: 'active' }).success).toBe(false);
  });

  it('when a tenant update carries no change, then it is rejected', () => {
    expect(tenantUpdatedV1.safeParse({ ...EXAMPLE_EVENT_DATA['tenant.updated'], changes: {} }).success).toBe(false);
  });

  it('when a period ends before it starts, then it is rejected', () => {
    const data = { ...EXAMPLE_EVENT_DATA['subscription.upgraded'], period: { start: '2025-04-01T00:00:00Z', end: '2025-03-01T00:00:00Z' } };
    expect(subscriptionUpgradedV1.safeParse(data).success).toBe(false);
  });

  it('when money is not integer cents, then it is rejected', () => {
    const data = EXAMPLE_EVENT_DATA['subscription.upgraded'];
    expect(subscriptionUpgradedV1.safeParse({ ...data, proration: { credit_cents: 10.5, charge_cents: 0, currency: 'EUR' } }).success).toBe(
      false,
    );
  });

  it('when invoice lines do not add up to the subtotal, then it is rejected', () => {
    expect(invoiceIssuedV1.safeParse({ ...EXAMPLE_EVENT_DATA['invoice.issued'], subtotal_cents: 1 }).success).toBe(false);
  });

  describe('metric.recorded batches', () => {
    const batch = EXAMPLE_EVENT_DATA['metric.recorded'];
    const [sample] = batch.samples;
    if (!sample) throw new Error('the example batch has a sample');

    it('when a batch holds many samples with a shared histogram layout, then it is accepted', () => {
      const samples = Array.from({ length: 500 }, (_, i) => ({ ...sample, route: `/api/v1/r${i}` }));
      expect(metricRecordedV1.safeParse({ ...batch, samples }).success).toBe(true);
    });

    it('when a sample has the wrong number of buckets, then it is rejected', () => {
      const bad = { ...sample, latency_ms: { ...sample.latency_ms, buckets: [10] } };
      expect(metricRecordedV1.safeParse({ ...batch, samples: [bad] }).success).toBe(false);
    });

    it('when bucket bounds are not ascending, then it is rejected', () => {
      expect(metricRecordedV1.safeParse({ ...batch, latency_buckets_ms: [25, 5, 100] }).success).toBe(false);
    });

    it('when a batch is empty or larger than 1000 samples, then it is rejected', () => {
      expect(metricRecordedV1.safeParse({ ...batch, samples: [] }).success).toBe(false);
      expect(metricRecordedV1.safeParse({ ...batch, samples: Array.from({ length: 1001 }, () => sample) }).success).toBe(false);
    });
  });
});
