import { declaredPropertyNames, notSnakeCase } from '@tenantry/testing';
import { z } from 'zod';
import { EVENT_CATALOG } from './catalog';

describe('snake_case, the one convention of event data', () => {
  it('when every event type of the catalog is walked, then its data has only snake_case fields', () => {
    const walked = Object.entries(EVENT_CATALOG).flatMap(([type, versions]) =>
      Object.entries(versions).map(([version, schema]) =>
        declaredPropertyNames(z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }), `${type}:${version}`),
      ),
    );
    expect(walked.flat().length).toBeGreaterThan(50);
    expect(walked.flatMap(notSnakeCase)).toEqual([]);
  });

  it('when a camelCase field is declared, then the walk finds it and user maps are left alone (the check can fail)', () => {
    const found = declaredPropertyNames(
      z.toJSONSchema(z.object({ tenantId: z.string(), metadata: z.record(z.string(), z.string()) })),
      'probe',
    );
    expect(notSnakeCase(found)).toEqual(['tenantId (probe.properties)']);
  });
});
