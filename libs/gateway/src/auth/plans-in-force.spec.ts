import { createEvent, SUBSCRIPTION_EVENT_TYPES, type PlanId, type SubscriptionEventType } from '@tenantry/contracts';
import { EXAMPLE_EVENT_DATA } from '@tenantry/contracts/test-support';
import { planInForceAfter, PlansInForce } from './plans-in-force';

const at = (planId: PlanId, revision: number) => ({ planId, revision });

describe('PlansInForce', () => {
  it('when an event is newer than the key resolution, then its plan is in force', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('pro', 2));
    expect(plans.inForce('ten_a', at('basic', 1))).toEqual(at('pro', 2));
  });

  it('when the key resolution is newer than the last event seen, then the resolution is in force', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('pro', 2));
    expect(plans.inForce('ten_a', at('enterprise', 3))).toEqual(at('enterprise', 3));
  });

  it('when the resolution and the event have the same revision, then they describe the same change and the resolution is used', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('pro', 2));
    expect(plans.inForce('ten_a', at('pro', 2))).toEqual(at('pro', 2));
  });

  it('when the same event is delivered twice, then the second delivery changes nothing', () => {
    const plans = new PlansInForce();
    expect(plans.record('ten_a', at('pro', 2))).toBe(true);
    expect(plans.record('ten_a', at('pro', 2))).toBe(false);
    expect(plans.inForce('ten_a', at('basic', 1))).toEqual(at('pro', 2));
  });

  it('when an older event arrives after a newer one, then it is ignored and the plan never goes backwards', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('enterprise', 3));
    expect(plans.record('ten_a', at('basic', 1))).toBe(false);
    expect(plans.record('ten_a', at('pro', 2))).toBe(false);
    expect(plans.inForce('ten_a', at('basic', 1))).toEqual(at('enterprise', 3));
  });

  it('when events are applied or ignored, then the stats count them', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('pro', 2));
    plans.record('ten_a', at('pro', 2));
    plans.record('ten_a', at('basic', 1));
    plans.record('ten_b', at('pro', 1));
    expect(plans.stats()).toEqual({ tenants: 2, applied: 2, ignoredAsOlder: 2 });
  });

  it('when events arrive in order, then each newer one replaces the one before', () => {
    const plans = new PlansInForce();
    for (const [planId, revision] of [
      ['basic', 1],
      ['pro', 2],
      ['basic', 3],
    ] as const)
      expect(plans.record('ten_a', at(planId, revision))).toBe(true);
    expect(plans.inForce('ten_a', at('pro', 2))).toEqual(at('basic', 3));
  });

  it('when no event was seen for a tenant, then its key resolution is in force, and other tenants are not affected', () => {
    const plans = new PlansInForce();
    plans.record('ten_a', at('enterprise', 5));
    expect(plans.inForce('ten_b', at('basic', 0))).toEqual(at('basic', 0));
  });

  it('when more tenants change plan than the bound, then the one whose change is oldest is forgotten first', () => {
    const plans = new PlansInForce(2);
    plans.record('ten_a', at('pro', 1));
    plans.record('ten_b', at('pro', 1));
    plans.record('ten_a', at('enterprise', 2)); // ten_a changed again: ten_b is now the oldest change
    plans.record('ten_c', at('pro', 1));
    expect(plans.size).toBe(2);
    expect(plans.inForce('ten_b', at('basic', 0))).toEqual(at('basic', 0));
    expect(plans.inForce('ten_a', at('basic', 0))).toEqual(at('enterprise', 2));
  });
});

const example = <T extends SubscriptionEventType>(type: T) =>
  createEvent(type, { tenantId: 't-1', source: '/tenantry/billing', data: EXAMPLE_EVENT_DATA[type] });

describe('planInForceAfter', () => {
  it.each(SUBSCRIPTION_EVENT_TYPES)('when %s arrives, then the plan it puts in force and its revision are read from it', (type) => {
    const event = example(type);
    const data = EXAMPLE_EVENT_DATA[type] as { revision: number; plan_id?: PlanId; to_plan_id?: PlanId };
    expect(planInForceAfter(event)).toEqual({ planId: data.to_plan_id ?? data.plan_id, revision: data.revision });
  });
});
