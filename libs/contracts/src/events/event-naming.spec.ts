import { declaredPropertyNames, notSnakeCase } from '@tenantry/testing';
import { z } from 'zod';
import { EXTERNAL_FORMAT } from '../http/naming';
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

  it('when a schema is marked as an external standard’s document, then its own names are left alone and nothing else is', () => {
    const schema = z.object({
      documents: z.array(z.object({ apiVersion: z.string() }).meta({ [EXTERNAL_FORMAT]: 'OpenSLO v1' })),
      nextCursor: z.string(),
    });
    expect(notSnakeCase(declaredPropertyNames(z.toJSONSchema(schema), 'probe'))).toEqual(['nextCursor (probe.properties)']);
  });
});
