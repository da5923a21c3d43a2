import { z } from 'zod';
import { InvalidCollectionDefinitionError, defineCollection, globallyUniqueFields } from './collection';

describe('defineCollection', () => {
  it('when a definition is sound, then it is frozen and knows its cross-tenant unique keys', () => {
    const definition = defineCollection({
      name: 'api_keys',
      schema: z.object({ keyHash: z.string(), label: z.string() }),
      indexes: [
        { fields: { keyHash: 1 }, unique: true },
        { fields: { tenantId: 1, label: 1 }, unique: true },
      ],
      idPrefix: 'key_',
    });
    expect(Object.isFrozen(definition)).toBe(true);
    expect([...globallyUniqueFields(definition)]).toEqual(['keyHash']);
  });

  it.each([
    ['declares a system field', { name: 'c', schema: z.object({ tenantId: z.string() }) }],
    ['uses a reserved field name', { name: 'c', schema: z.object({ _outbox: z.string() }) }],
    ['has a dotted field name', { name: 'c', schema: z.object({ 'a.b': z.string() }) }],
    ['has a bad collection name', { name: 'bad name', schema: z.object({ a: z.string() }) }],
    ['indexes an unknown field', { name: 'c', schema: z.object({ a: z.string() }), indexes: [{ fields: { b: 1 } }] }],
    [
      'makes an optional field unique',
      { name: 'c', schema: z.object({ a: z.string().optional() }), indexes: [{ fields: { a: 1 }, unique: true }] },
    ],
    [
      'makes a nullable field unique',
      { name: 'c', schema: z.object({ a: z.string().nullable() }), indexes: [{ fields: { a: 1 }, unique: true }] },
    ],
  ])('when a definition %s, then it is refused at load time', (_case, definition) => {
    expect(() => defineCollection(definition as never)).toThrow(InvalidCollectionDefinitionError);
  });
});
