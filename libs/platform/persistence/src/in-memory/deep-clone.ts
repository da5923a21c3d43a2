/**
 * Copies stored values so no caller holds a reference into the store. Unlike structuredClone it keeps
 * Buffers as Buffers (as the MongoDB driver returns them) and drops undefined properties (as the
 * MongoDB store does with `ignoreUndefined`).
 */
export function deepClone<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(cloneValue);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) copy[key] = cloneValue(item);
  return copy;
}
