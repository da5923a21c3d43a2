import type { z } from 'zod';

/**
 * Helps a client that sent a field the API does not know: the problem names the field and, when one of
 * the fields the schema does know is a close spelling (the camelCase of a snake_case field, a typo),
 * suggests it. The API has one spelling per field, so the suggestion is the only way in.
 */

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The field names the object at `path` of `schema` accepts; empty when the path does not lead to an object. */
export function knownFieldsAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  let current = schema;
  const rest = [...path];
  for (let guard = 0; current && guard < 64; guard += 1) {
    const def = defOf(current);
    // Wrappers that do not change the shape: optional, nullable, default, readonly, catch, pipe/transform.
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner) {
      current = inner;
      continue;
    }
    if (rest.length === 0) return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    const step = rest.shift();
    if (def.type === 'object' && def.shape && typeof step === 'string') current = def.shape[step];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return [];
  }
  return [];
}

/** The known field closest to `unknown`, when it is close enough to be what the client meant. */
export function suggestField(unknown: string, known: readonly string[]): string | undefined {
  const snake = toSnakeCase(unknown);
  const exact = known.find((field) => field === snake);
  if (exact) return exact;
  let best: { field: string; distance: number } | undefined;
  for (const field of known) {
    const distance = Math.min(editDistance(unknown.toLowerCase(), field), editDistance(snake, field));
    if (!best || distance < best.distance) best = { field, distance };
  }
  // A third of the length (at least 1, at most 3 edits): `subscripton_tier` yes, `name` for `id` no.
  const allowed = Math.min(3, Math.max(1, Math.floor(unknown.length / 3)));
  return best && best.distance <= allowed ? best.field : undefined;
}

function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
