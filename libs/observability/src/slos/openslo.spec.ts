import { defaultSloDefinitions } from '../slo-definitions/definitions';
import { ADMIN, startObservabilityHarness, tenantKey, type ObservabilityHarness } from '../test-support/observability-harness';
import { fromOpenSlo, openSloDocumentSchema, toOpenSlo } from './openslo';

describe('SLO definitions as OpenSLO v1', () => {
  it('when every default definition is exported and read back, then it is the same definition', () => {
    for (const definition of defaultSloDefinitions())
      expect(fromOpenSlo(openSloDocumentSchema.parse(toOpenSlo(definition)))).toEqual(definition);
  });

  describe('GET/PUT /slos/openslo', () => {
    let harness: ObservabilityHarness;
    beforeEach(async () => {
      harness = await startObservabilityHarness();
    });
    afterEach(() => harness.close());

    it('when the admin imports a changed objective, then /sla uses it; bad documents and tenant keys change nothing', async () => {
      const exported = await harness.call(ADMIN, 'GET', '/api/v1/observability/slos/openslo');
      expect(exported.status).toBe(200);
      const documents = exported.body.documents as { metadata: { name: string }; spec: { objectives: { target: number }[] } }[];
      expect(documents.map((document) => document.metadata.name)).toContain('tenant-availability-enterprise');
      expect(documents.find((document) => document.metadata.name === 'tenant-availability-pro')?.spec.objectives[0]?.target).toBe(0.999);

      const changed = documents.map((document) =>
        document.metadata.name === 'gateway-availability'
          ? { ...document, spec: { ...document.spec, objectives: [{ target: 0.99 }] } }
          : document,
      );
      const broken = changed.map((document, i) =>
        i === 0 ? { ...document, spec: { ...document.spec, budgetingMethod: 'Timeslices' } } : document,
      );
      const refused = await harness.call(ADMIN, 'PUT', '/api/v1/observability/slos/openslo', { documents: broken });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('documents.0.spec.budgetingMethod');
      expect((await harness.call(tenantKey('ten_x'), 'PUT', '/api/v1/observability/slos/openslo', { documents: changed })).status).toBe(
        403,
      );
      expect((await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/gateway')).body.slos[0]).toMatchObject({
        slo: 'gateway-availability',
        objective: 0.999,
      });

      expect((await harness.call(ADMIN, 'PUT', '/api/v1/observability/slos/openslo', { documents: changed })).status).toBe(200);
      expect((await harness.call(ADMIN, 'GET', '/api/v1/observability/sla/gateway')).body.slos[0]).toMatchObject({
        slo: 'gateway-availability',
        objective: 0.99,
      });
    });
  });
});
