import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { deploymentStatic } from './cache-control';
import { sampleOf } from './openapi-examples';
import { problemSchema } from './problem-schema';
import { ROUTE_SCHEMAS, type DocumentedHandler, type RouteSchemas } from './validation';

/** A router and the path it is mounted on, as `app.use(prefix, …, router)` mounts it. */
export interface ApiMount {
  prefix: string;
  router: Router;
  /** Groups the mount's operations in the document (one tag per area of the API). */
  tag: string;
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** The project's licence (package.json), named in every document's `info.license`. */
export const API_LICENSE = { name: 'Apache 2.0', identifier: 'Apache-2.0' } as const;

/** Where a client sends every request: the gateway (the services behind it are not reachable directly). */
export const DEFAULT_API_SERVERS = [{ url: 'http://localhost:8080', description: 'The gateway of `npm start` (GATEWAY_PORT)' }];

const PROBLEMS: ZodOpenApiResponsesObject = {
  '4XX': {
    description:
      'A problem (RFC 9457): bad input (400, naming the fields), no or a bad key (401), not allowed (403), not found (404), conflict (409), rate limited (429)',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
  '5XX': {
    description: 'A problem (RFC 9457): the service or one it depends on is unavailable',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
};

const idempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().meta({
    description:
      'A retry with the same key and body answers the first result (Idempotent-Replayed: true); the same key with another body is 422',
  }),
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** The parts of Express's router a document needs (its own typings keep `stack` private). */
interface RouterLayer {
  route?: { path: unknown; methods: Partial<Record<string, boolean>>; stack: Array<{ handle: RequestHandler }> };
}

/** One operation a router serves: its method, its full path in OpenAPI form, and what route() was given. */
export interface DocumentedOperation {
  method: HttpMethod;
  path: string;
  tag: string;
  schemas: RouteSchemas | undefined;
}

/** Every operation of the mounted routers, in registration order; `schemas` is undefined where route() was not used. */
export function operationsOf(mounts: readonly ApiMount[]): DocumentedOperation[] {
  const operations: DocumentedOperation[] = [];
  for (const { prefix, router, tag } of mounts) {
    for (const layer of (router as unknown as { stack: RouterLayer[] }).stack) {
      const { route } = layer;
      if (!route || typeof route.path !== 'string') continue;
      const path = toOpenApiPath(route.path === '/' ? prefix : `${prefix}${route.path}`);
      const schemas = route.stack.map(({ handle }) => (handle as DocumentedHandler)[ROUTE_SCHEMAS]).find((found) => found !== undefined);
      for (const method of HTTP_METHODS) if (route.methods[method]) operations.push({ method, path, tag, schemas });
    }
  }
  return operations;
}

/**
 * The OpenAPI 3.1 document of the mounted routers, built from the zod schemas their routes validate
 * with (`route({ params, query, body, doc })`), so the document cannot drift from what is enforced.
 * A route without `doc` is a programming error: the service's spec checks that none is missing.
 */
export function openApiDocument(info: ApiInfo, mounts: readonly ApiMount[]): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const { method, path, tag, schemas } of operationsOf(mounts)) {
    if (!schemas?.doc) throw new Error(`${method.toUpperCase()} ${path} has no documentation: give its route() a doc`);
    const item = (paths[path] ??= {});
    item[method] = operationOf(schemas, tag, schemas.doc.operationId ?? operationIdOf(method, path));
  }
  const document = createDocument({
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
      license: { ...API_LICENSE },
    },
    servers: DEFAULT_API_SERVERS,
    paths,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The platform admin key (ADMIN_API_KEY) or a tenant API key (tnt_<id>_<secret>), sent to the gateway.',
        },
      },
    },
  });
  polish(document);
  return document;
}

type OpenApiDocument = ReturnType<typeof createDocument>;
type SchemaNode = Record<string, unknown>;

/**
 * What zod-openapi leaves for the document to say: a record keyed by an enum (`z.record(z.enum([…]), …)`)
 * becomes an object whose keys are properties (tools read `required` against `properties`), and every
 * JSON request body gets an example made from its schema.
 */
function polish(document: OpenApiDocument): void {
  const components = (document.components?.schemas ?? {}) as Record<string, unknown>;
  visitSchemas(document, propertiesForEnumKeys);
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const media = (item as Record<string, { requestBody?: { content?: Record<string, SchemaNode> } } | undefined>)[method]?.requestBody
        ?.content?.['application/json'];
      if (media && media['example'] === undefined && media['examples'] === undefined)
        media['example'] = sampleOf(media['schema'], components);
    }
  }
}

function propertiesForEnumKeys(node: SchemaNode): void {
  const keys = (node['propertyNames'] as SchemaNode | undefined)?.['enum'];
  const values = node['additionalProperties'];
  if (!Array.isArray(keys) || typeof values !== 'object' || values === null || node['properties'] !== undefined) return;
  node['properties'] = Object.fromEntries(keys.map((key) => [String(key), values]));
  node['additionalProperties'] = false;
  delete node['propertyNames'];
}

/** Calls `visit` on every object of the document, depth first (schemas are plain JSON: no cycles). */
function visitSchemas(node: unknown, visit: (node: SchemaNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) visitSchemas(child, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node as SchemaNode);
  for (const child of Object.values(node)) visitSchemas(child, visit);
}

/**
 * `post /api/v1/tenants/{tenantId}/api-keys` → `postTenantsByTenantIdApiKeys`: unique per method and
 * path, stable across deployments, so generated clients keep their method names.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v\d+\//, '/')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `by-${segment.slice(1, -1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+|(?=[A-Z])/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]?.toUpperCase() + word.slice(1).toLowerCase())].join('');
}

function operationOf(schemas: RouteSchemas, tag: string, operationId: string): ZodOpenApiOperationObject {
  const doc = schemas.doc;
  if (!doc) throw new Error('unreachable: checked by the caller');
  const status = String(doc.status ?? 200);
  return {
    operationId,
    tags: [tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.public ? { security: [] } : {}),
    ...(schemas.params || schemas.query || doc.idempotent
      ? {
          requestParams: {
            ...(schemas.params ? { path: schemas.params as never } : {}),
            ...(schemas.query ? { query: schemas.query as never } : {}),
            ...(doc.idempotent ? { header: idempotencyHeader } : {}),
          },
        }
      : {}),
    ...(schemas.body ? { requestBody: { content: { 'application/json': { schema: schemas.body } } } } : {}),
    responses: {
      [status]: {
        description: doc.status === 201 ? 'Created' : doc.status === 204 ? 'No content' : 'OK',
        ...(doc.response ? { content: { 'application/json': { schema: doc.response } } } : {}),
      },
      ...PROBLEMS,
    },
  };
}

/** `/:tenantId/api-keys` → `/{tenantId}/api-keys`. */
function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * `GET <path>`: the document, built once on first request, public and cacheable (it changes only with
 * a deployment). Mount it before the signature check.
 */
export function openApiRoute(info: ApiInfo, mounts: readonly ApiMount[]): RequestHandler[] {
  let document: string | undefined;
  return [
    deploymentStatic,
    (_req, res) => {
      document ??= JSON.stringify(openApiDocument(info, mounts));
      res.type('application/json').send(document);
    },
  ];
}
