import { declaredPropertyNames, describeWithInfra, notSnakeCase, queryAndPathParameterNames } from '@tenantry/testing';
import { realInfraEnv, usePlatform } from '../test-support/e2e-harness';

interface Document {
  paths: Record<string, Record<string, unknown>>;
  components?: unknown;
}

/**
 * One convention for everything a client reads: snake_case. The merged API reference at the gateway is
 * built from the zod schemas every service validates with, so walking it covers every route of every
 * service; a camelCase property or parameter cannot come back unnoticed.
 */
describeWithInfra('snake_case across the API reference', ['kafka', 'mongo', 'redis'], (infra) => {
  const { admin } = usePlatform(() => realInfraEnv(infra));

  it('when the merged OpenAPI document is walked, then every property and every query or path parameter is snake_case', async () => {
    const response = await admin.as(undefined).get<Document>('/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    const properties = [
      ...declaredPropertyNames(document.components ?? {}, 'components'),
      ...declaredPropertyNames(document.paths, 'paths'),
    ];
    const parameters = queryAndPathParameterNames(document);
    expect(properties.length).toBeGreaterThan(100);
    expect(parameters.map(({ name }) => name)).toEqual(expect.arrayContaining(['tenant_id', 'limit', 'cursor']));
    expect(notSnakeCase(properties)).toEqual([]);
    expect(notSnakeCase(parameters)).toEqual([]);
  });
});
