/**
 * Examples for the document's request bodies, made from their JSON Schemas: a value the schema accepts
 * (its own `examples`/`default`/`const`/first enum member where it has one, else a plausible value of
 * its type and format), so the example cannot drift from what the route validates.
 */
type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
};

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00.000Z',
  date: '2026-01-01',
  email: 'billing@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
};

/** Plausible values for fields whose schema cannot say more than "a string" (keyed by the name without `_`, lower case). */
const PROPERTY_SAMPLES: Record<string, unknown> = {
  name: 'Acme Corp',
  timezone: 'Europe/Ljubljana',
  reason: 'unpaid invoice',
  reference: 'SEPA 4411',
  tenantid: 'ten_0123456789abcdef',
  // Times a request names are in the future (a key's expiry must be).
  expiresat: '2030-01-01T00:00:00.000Z',
};

const MAX_DEPTH = 8;

/** A value `schema` accepts; `$ref`s are resolved against `components` (`#/components/schemas/<name>`). */
export function sampleOf(schema: unknown, components: Record<string, unknown> = {}, depth = 0): unknown {
  const s = (schema ?? {}) as JsonSchema;
  if (depth > MAX_DEPTH) return undefined;
  if (s.$ref) return sampleOf(components[s.$ref.replace('#/components/schemas/', '')], components, depth + 1);
  if (s.examples && s.examples.length > 0) return s.examples[0];
  if (s.example !== undefined) return s.example;
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (s.enum && s.enum.length > 0) return s.enum[0];
  const branch = s.anyOf ?? s.oneOf;
  if (branch) return sampleOf(branch.find((option) => option.type !== 'null') ?? branch[0], components, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => sampleOf(part, components, depth + 1) as object));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object':
      return objectSample(s, components, depth);
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => sampleOf(s.items, components, depth + 1));
    case 'integer':
      return Math.max(1, Math.ceil(s.minimum ?? (s.exclusiveMinimum === undefined ? 1 : s.exclusiveMinimum + 1)));
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return true;
    case 'string':
      return stringSample(s);
    default:
      return s.properties ? objectSample(s, components, depth) : undefined;
  }
}

function objectSample(s: JsonSchema, components: Record<string, unknown>, depth: number): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  // Every documented property, so the example shows the whole shape (required or not).
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const hint = PROPERTY_SAMPLES[name.replace(/_/g, '').toLowerCase()];
    const ownSample = (property.examples ?? property.example ?? property.enum ?? property.const) !== undefined;
    const value =
      hint !== undefined && !ownSample && typeof hint === typeof sampleOf(property, components, depth + 1)
        ? hint
        : sampleOf(property, components, depth + 1);
    if (value !== undefined) sample[name] = value;
  }
  return sample;
}

function stringSample(s: JsonSchema): string {
  if (s.format && FORMAT_SAMPLES[s.format]) return FORMAT_SAMPLES[s.format] as string;
  const text = 'example';
  return s.minLength && s.minLength > text.length ? text.padEnd(s.minLength, 'x') : text;
}
