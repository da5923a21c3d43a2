import { EVENT_CATALOG } from '@tenantry/contracts';
import { z } from 'zod';
import { startBillingHarness } from '../../libs/billing/src/test-support/billing-harness';
import { startTenantsHarness } from '../../libs/tenants/src/test-support/tenants-harness';

/**
 * One convention for everything a client or a subscriber reads: snake_case. This walks the OpenAPI
 * documents the services serve (built from the zod schemas the routes validate with) and the JSON
 * Schema of every event type in the catalog, so a camelCase field cannot come back unnoticed. Maps the
 * user fills (`metadata`) have no declared properties, so their keys are never checked.
 */
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Every declared property name in a JSON Schema (or OpenAPI document), with where it was found. */
function propertyNames(node: unknown, at: string, found: Array<{ name: string; at: string }>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => propertyNames(item, `${at}[${i}]`, found));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) found.push({ name, at: `${at}.properties` });
    }
    // `paths` keys are URLs, `responses` keys are status codes, `content` keys are media types.
    if (key === 'paths' || key === 'responses' || key === 'content') {
      for (const [inner, child] of Object.entries(value as Record<string, unknown>)) propertyNames(child, `${at}.${key}[${inner}]`, found);
      continue;
    }
    propertyNames(value, `${at}.${key}`, found);
  }
}

interface Parameter {
  in: string;
  name: string;
}

function parameterNames(document: { paths: Record<string, Record<string, { parameters?: Parameter[] }>> }): string[] {
  return Object.values(document.paths).flatMap((item) =>
    Object.values(item).flatMap((operation) => (operation.parameters ?? []).filter((parameter) => parameter.in === 'query' || parameter.in === 'path').map(({ name }) => name)),
  );
}

const notSnake = (names: readonly { name: string; at: string }[]) => names.filter(({ name }) => !SNAKE_CASE.test(name)).map(({ name, at }) => `${name} (${at})`);

describe('snake_case, the one convention of the API and the events', () => {
  it.each([
    ['tenants', '/api/v1/tenants/openapi.json', startTenantsHarness],
    ['billing', '/api/v1/monetization/openapi.json', startBillingHarness],
  ] as const)('when the %s OpenAPI document is walked, then every property and query or path parameter is snake_case', async (_service, path, start) => {
    const harness = await start();
    try {
      const response = await fetch(`${harness.url}${path}`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as Parameters<typeof parameterNames>[0] & { components?: unknown };
      const found: Array<{ name: string; at: string }> = [];
      propertyNames(document.components ?? {}, 'components', found);
      propertyNames(document.paths, 'paths', found);
      expect(found.length).toBeGreaterThan(20);
      expect(notSnake(found)).toEqual([]);
      expect(parameterNames(document).filter((name) => !SNAKE_CASE.test(name))).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('when every event type of the catalog is walked, then its data has only snake_case fields', () => {
    const offenders = Object.entries(EVENT_CATALOG).flatMap(([type, versions]) =>
      Object.entries(versions).flatMap(([version, schema]) => {
        const found: Array<{ name: string; at: string }> = [];
        propertyNames(z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }), `${type}:${version}`, found);
        return notSnake(found);
      }),
    );
    expect(offenders).toEqual([]);
  });

  it('when a camelCase field is declared, then the walk finds it (the check can fail)', () => {
    const found: Array<{ name: string; at: string }> = [];
    propertyNames(z.toJSONSchema(z.object({ tenantId: z.string(), metadata: z.record(z.string(), z.string()) })), 'probe', found);
    expect(notSnake(found)).toEqual(['tenantId (probe.properties)']);
  });
});
