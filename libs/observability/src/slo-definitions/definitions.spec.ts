import { defaultSloDefinitions, planSlaObjective, windowSeconds } from './definitions';

describe('default SLO definitions', () => {
  it('when the catalog is read, then pro and enterprise tenants get their SLA and basic none', () => {
    const tenantSlos = defaultSloDefinitions().filter((slo) => slo.scope === 'tenant');
    expect(tenantSlos.map((slo) => [slo.plan_id, slo.objective])).toEqual([
      ['pro', 0.999],
      ['enterprise', 0.9999],
    ]);
    expect(planSlaObjective('basic')).toBeNull();
  });

  it('when services are listed, then each has an availability and a latency objective with a unique id', () => {
    const ids = defaultSloDefinitions().map((slo) => slo.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['gateway-availability', 'gateway-latency', 'billing-availability']));
  });

  it.each([
    ['5m', 300],
    ['6h', 21_600],
    ['3d', 259_200],
  ])('when the window is %s, then it lasts %d seconds', (window, seconds) => {
    expect(windowSeconds(window)).toBe(seconds);
  });
});
