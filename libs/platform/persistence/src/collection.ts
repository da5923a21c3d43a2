import { z } from 'zod';

/** Fields the repository owns on every stored document; a collection schema may not declare them. */
export const SYSTEM_FIELDS = ['id', 'tenantId', 'version', 'createdAt', 'updatedAt'] as const;
export type SystemField = (typeof SYSTEM_FIELDS)[number];

/** What every stored document carries besides its own fields. */
export interface SystemFields {
  readonly id: string;
  readonly tenantId: string;
  /** Starts at 1 and grows by one on every update: the token for optimistic concurrency. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A document as read back: its validated fields plus the system fields. */
export type Stored<T> = T & SystemFields;

/** Fields an index may name: the document's own fields, `tenantId` and the timestamps. */
export type IndexableField<T> = Extract<keyof T, string> | 'tenantId' | 'createdAt' | 'updatedAt';

export interface IndexDefinition<T> {
  fields: Partial<Record<IndexableField<T>, 1 | -1>>;
  /**
   * Unique across the whole collection, i.e. across tenants. For "unique per tenant" include `tenantId`.
   * Unique fields must be required and non-nullable: MongoDB indexes a missing value as null (so two
   * documents without it collide) while FerretDB does not, and the code must behave the same on both.
   */
  unique?: true;
}

type AnyObjectSchema = z.ZodObject;

/** The definition of a collection: plain data, no mongoose. Services build these with `defineCollection`. */
export interface CollectionDefinition<S extends AnyObjectSchema = AnyObjectSchema> {
  readonly name: string;
  readonly schema: S;
  readonly indexes: readonly IndexDefinition<z.output<S>>[];
  /** Prefix of generated ids, e.g. `ten_`; ids are time-ordered after it. */
  readonly idPrefix: string;
}

export type DocumentOf<D extends CollectionDefinition> = z.output<D['schema']>;
export type InputOf<D extends CollectionDefinition> = z.input<D['schema']>;

/** Turns a schema that declares a system field into a compile error naming the problem. */
type WithoutSystemFields<S extends AnyObjectSchema> =
  Extract<keyof z.output<S>, SystemField> extends never
    ? S
    : `schema must not declare the system field "${Extract<keyof z.output<S>, SystemField> & string}"`;

const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
const ID_PREFIX = /^[A-Za-z0-9_-]{0,16}$/;

export class InvalidCollectionDefinitionError extends Error {}

/**
 * Declares a collection. Checked once here, at module load, so that a bad definition fails at boot:
 * system fields and `_`-prefixed names are reserved; field names may not contain `.` or start with `$`;
 * unique indexes must name required, non-nullable fields.
 */
export function defineCollection<S extends AnyObjectSchema>(definition: {
  name: string;
  schema: WithoutSystemFields<S> & S;
  indexes?: readonly IndexDefinition<z.output<S>>[];
  idPrefix?: string;
}): CollectionDefinition<S> {
  const { name, schema, indexes = [], idPrefix = '' } = definition;
  const fail = (message: string): never => {
    throw new InvalidCollectionDefinitionError(`Collection "${name}": ${message}`);
  };
  if (!COLLECTION_NAME.test(name)) fail('name must match ' + COLLECTION_NAME.source);
  if (!ID_PREFIX.test(idPrefix)) fail('idPrefix must match ' + ID_PREFIX.source);

  const shape = schema.shape as Record<string, z.ZodType>;
  for (const field of Object.keys(shape)) {
    if ((SYSTEM_FIELDS as readonly string[]).includes(field)) fail(`"${field}" is a system field`);
    if (field.startsWith('_') || field.startsWith('$') || field.includes('.') || field === '') {
      fail(`field name "${field}" is reserved (no leading "_" or "$", no ".")`);
    }
  }
  const indexable = new Set<string>([...Object.keys(shape), 'tenantId', 'createdAt', 'updatedAt']);
  for (const index of indexes) {
    const fields = Object.keys(index.fields);
    if (fields.length === 0) fail('an index needs at least one field');
    for (const field of fields) {
      if (!indexable.has(field)) fail(`index field "${field}" is not in the schema`);
      if (index.unique && shape[field] && acceptsMissingOrNull(shape[field])) {
        fail(`unique index field "${field}" must be required and non-nullable`);
      }
    }
  }
  return Object.freeze({ name, schema, indexes: Object.freeze([...indexes]), idPrefix });
}

function acceptsMissingOrNull(field: z.ZodType): boolean {
  const missing = field.safeParse(undefined);
  return (missing.success && missing.data === undefined) || field.safeParse(null).success;
}

/** The field names of a collection's own documents (not the system fields). */
export function documentFields(definition: CollectionDefinition): readonly string[] {
  return Object.keys(definition.schema.shape);
}

/** Single-field unique indexes: the only keys `findByUniqueKeyAcrossTenants` accepts. */
export function globallyUniqueFields(definition: CollectionDefinition): ReadonlySet<string> {
  return new Set(
    definition.indexes
      .filter((index) => index.unique && Object.keys(index.fields).length === 1)
      .map((index) => Object.keys(index.fields)[0] as string),
  );
}
