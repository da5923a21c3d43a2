/**
 * One OpenAPI 3.1 document of the public API, merged from the documents the services serve (each under
 * its own prefix, `GET <prefix>/openapi.json`). Pure: loading the documents is `service-documents.ts`.
 */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; license?: { name: string; identifier?: string } };
  servers?: Array<{ url: string; description?: string }>;
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> } & Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
  tags?: Array<{ name: string; description?: string }>;
  [extension: string]: unknown;
}

/** A service's own document, with the path prefix the gateway routes to it. */
export interface ServiceDocument {
  service: string;
  prefix: string;
  document: OpenApiDocument;
}

export interface MergeOptions {
  info: { title: string; version: string; description: string; license: { name: string; identifier?: string } };
  servers: Array<{ url: string; description?: string }>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
type Operation = { operationId?: string; tags?: string[]; security?: unknown[] } & Record<string, unknown>;

/**
 * The services' documents as one: their paths (only those under the service's own prefix — the gateway
 * sends nothing else there), their component schemas (a name two services define differently is
 * prefixed by the service, references rewritten), their security schemes, operation ids made unique,
 * and the operations' tags grouped by service (`x-tagGroups`, which Scalar and Redoc show as sections).
 */
export function mergeDocuments(documents: readonly ServiceDocument[], options: MergeOptions): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const securitySchemes: Record<string, unknown> = {};
  const operationIds = new Set<string>();
  const tags: Array<{ name: string; description: string }> = [];
  const tagGroups: Array<{ name: string; tags: string[] }> = [];
  let security: Array<Record<string, string[]>> | undefined;

  for (const { service, prefix, document: original } of documents) {
    const document = renameClashingSchemas(service, original, schemas);
    Object.assign(schemas, document.components?.schemas ?? {});
    Object.assign(securitySchemes, document.components?.securitySchemes ?? {});
    security ??= document.security;
    const serviceTags: string[] = [];
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if ((path !== prefix && !path.startsWith(`${prefix}/`)) || paths[path]) continue;
      paths[path] = item;
      for (const [method, value] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        const operation = value as Operation;
        // What the service's document required applies to its operations, whatever the merged root says.
        if (operation.security === undefined && document.security && JSON.stringify(document.security) !== JSON.stringify(security))
          operation.security = document.security;
        operation.operationId = uniqueId(operation.operationId ?? `${method}${path}`, service, operationIds);
        if (!operation.tags?.length) operation.tags = [service];
        for (const tag of operation.tags) if (!serviceTags.includes(tag)) serviceTags.push(tag);
      }
    }
    for (const tag of serviceTags) {
      if (tags.some((known) => known.name === tag)) continue;
      tags.push({ name: tag, description: `${tag} (the ${service} service)` });
    }
    if (serviceTags.length > 0) tagGroups.push({ name: service, tags: serviceTags });
  }

  return {
    openapi: '3.1.0',
    info: { ...options.info },
    servers: options.servers,
    paths,
    components: { schemas, securitySchemes },
    ...(security ? { security } : {}),
    tags,
    'x-tagGroups': tagGroups,
  };
}

function uniqueId(id: string, service: string, taken: Set<string>): string {
  let candidate = id;
  for (let n = 1; taken.has(candidate); n += 1) candidate = n === 1 ? `${service}_${id}` : `${service}_${id}_${n}`;
  taken.add(candidate);
  return candidate;
}

/** A copy of `document` whose component schemas that clash with `known` ones are named `<service>_<name>`. */
function renameClashingSchemas(service: string, document: OpenApiDocument, known: Record<string, unknown>): OpenApiDocument {
  const renames = new Map<string, string>();
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (name in known && JSON.stringify(known[name]) !== JSON.stringify(schema)) renames.set(name, `${service}_${name}`);
  }
  const copy = structuredClone(document);
  if (renames.size === 0) return copy;
  const schemas = copy.components?.schemas ?? {};
  for (const [from, to] of renames) {
    schemas[to] = schemas[from];
    delete schemas[from];
  }
  rewriteRefs(copy, renames);
  return copy;
}

function rewriteRefs(node: unknown, renames: ReadonlyMap<string, string>): void {
  if (Array.isArray(node)) {
    for (const child of node) rewriteRefs(child, renames);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const ref = record['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const renamed = renames.get(ref.slice('#/components/schemas/'.length));
    if (renamed) record['$ref'] = `#/components/schemas/${renamed}`;
  }
  for (const child of Object.values(record)) rewriteRefs(child, renames);
}
