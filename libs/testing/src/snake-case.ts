/**
 * The one naming convention of the API and the events: snake_case. These walk a JSON Schema or an
 * OpenAPI document and list every declared property name, so a test can fail on a camelCase field.
 * Maps the user fills (`metadata`) have no declared properties, so their keys are never listed.
 */
export const SNAKE_CASE = /^[a-z0-9]+(_[a-z0-9]+)*$/;

/**
 * The OpenAPI extension a schema of an external standard's document carries (`x-external-format`, see
 * @tenantry/contracts EXTERNAL_FORMAT); its subtree keeps the standard's names and is not walked.
 */
const EXTERNAL_FORMAT = 'x-external-format';

export interface NameFound {
  name: string;
  /** Where in the document the name is declared (a JSON path of sorts). */
  at: string;
}

/** Every declared property name in a JSON Schema (or any part of an OpenAPI document). */
export function declaredPropertyNames(node: unknown, at = '$'): NameFound[] {
  const found: NameFound[] = [];
  walk(node, at, found);
  return found;
}

function walk(node: unknown, at: string, found: NameFound[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, `${at}[${i}]`, found));
    return;
  }
  if (node === null || typeof node !== 'object' || EXTERNAL_FORMAT in node) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) found.push({ name, at: `${at}.properties` });
    }
    walk(value, `${at}.${key}`, found);
  }
}

interface OpenApiParameter {
  in: string;
  name: string;
}

/** The query and path parameter names of every operation of an OpenAPI document. */
export function queryAndPathParameterNames(document: { paths: Record<string, Record<string, unknown>> }): NameFound[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item).flatMap(([method, operation]) =>
      ((operation as { parameters?: OpenApiParameter[] }).parameters ?? [])
        .filter((parameter) => parameter.in === 'query' || parameter.in === 'path')
        .map(({ name }) => ({ name, at: `${method.toUpperCase()} ${route}` })),
    ),
  );
}

/** The names that are not snake_case, as `name (where)`. */
export function notSnakeCase(names: readonly NameFound[]): string[] {
  return names.filter(({ name }) => !SNAKE_CASE.test(name)).map(({ name, at }) => `${name} (${at})`);
}
