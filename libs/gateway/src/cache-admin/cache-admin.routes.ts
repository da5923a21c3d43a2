import { ForbiddenError, ValidationFailedError } from '@tenantry/contracts';
import { type ApiMount, openApiDocument, requestIdOf, route } from '@tenantry/http';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Caller } from '../auth/authenticate';
import type { OpenApiDocument, ServiceDocument } from '../api-reference/merge-documents';
import { routeTemplateOf } from './route-templates';
import type { CacheStatistics } from './cache-statistics';
import type { CacheWarmer } from './cache-warmer';

/** Where the gateway serves its own cache operations (admin key only; never proxied). */
export const CACHE_ADMIN_PREFIX = '/api/v1/gateway/cache';
/** Paths a warm request may list, at most. */
export const MAX_WARM_PATHS = 50;

const tenantParams = z.object({
  tenant_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a tenant id (ten_…)')
    .meta({ description: 'The tenant whose cache namespace is meant', example: 'ten_8f3k2m9q' }),
});

const routeStatisticsSchema = z.object({
  route: z.string().meta({ description: 'Route template: the gateway route, then `{id}` for each segment naming a resource' }),
  entries: z.number().int().meta({ description: 'Keys stored for the route (with Vary, the record of header names counts too)' }),
  bytes: z.number().int().meta({ description: 'Bytes of the stored values' }),
  hits: z.number().int().meta({ description: 'Requests answered from the cache (HIT or STALE)' }),
  misses: z.number().int().meta({ description: 'Requests fetched from the service (MISS)' }),
  hit_ratio: z.number().nullable().meta({ description: 'hits / (hits + misses), 4 decimals; null without lookups' }),
});

const statisticsSchema = z.object({
  tenant_id: z.string(),
  entries: z.number().int(),
  bytes: z.number().int(),
  hits: z.number().int(),
  misses: z.number().int(),
  hit_ratio: z.number().nullable(),
  truncated: z.boolean().meta({ description: 'The SCAN stopped at its bound: entries and bytes count only the keys it reached' }),
  routes: z.array(routeStatisticsSchema),
});

const purgeQuery = z
  .object({
    route: z.string().startsWith('/').max(512).optional().meta({
      description: 'Purge only this route template (or a path of it): `/api/v1/tenants/{id}/features`',
      example: '/api/v1/tenants/{id}',
    }),
  })
  .strict();

const purgedSchema = z.object({
  tenant_id: z.string(),
  route: z.string().nullable().meta({ description: 'The route template purged; null: the whole namespace' }),
  removed: z.number().int().meta({ description: 'Cache entries deleted' }),
});

const warmBody = z.strictObject({
  paths: z
    .array(z.string().min(1).max(2048))
    .min(1)
    .max(MAX_WARM_PATHS)
    .refine((paths) => new Set(paths).size === paths.length, { message: 'Paths must not repeat' })
    .meta({
      description: `GET paths (with their query, if any) of routes the gateway caches, of this tenant; at most ${MAX_WARM_PATHS}`,
      example: ['/api/v1/tenants/ten_8f3k2m9q/features', '/api/v1/monetization/subscription'],
    }),
});

const warmedSchema = z.object({
  tenant_id: z.string(),
  results: z.array(
    z.object({
      path: z.string(),
      status: z.number().int().meta({ description: "The service's status for the tenant's request" }),
      cache: z.enum(['STORED', 'NOT_STORED']),
      reason: z
        .string()
        .nullable()
        .meta({ description: 'Why not stored: not-storable:*, route-disabled, cache-unavailable, feature-not-in-plan, upstream-error' }),
    }),
  ),
});

/** Admin only: a tenant key is a 403 problem, before anything is read. */
export function requireAdmin(caller: Caller): void {
  if (caller.kind !== 'admin') throw new ForbiddenError('The cache operations are for the platform admin key only.');
}

/** The routes under CACHE_ADMIN_PREFIX (the gateway mounts them after authenticating the admin). */
export function cacheAdminRouter(deps: { statistics: CacheStatistics; warmer: CacheWarmer }): Router {
  const router = Router();
  router.get(
    '/tenants/:tenant_id',
    route(
      {
        params: tenantParams,
        doc: {
          summary: "A tenant's response cache: entries, bytes and hit ratio, per route",
          description:
            'Entries and bytes come from a bounded SCAN of the tenant’s namespace (`truncated` when the bound stopped it; keys a tenant write made invisible count until they expire). Hits and misses are counted by every gateway replica in Redis and kept 7 days after the last counted request. Admin key only.',
          response: statisticsSchema,
        },
      },
      ({ params }) => deps.statistics.of(params.tenant_id),
    ),
  );
  router.delete(
    '/tenants/:tenant_id',
    route(
      {
        params: tenantParams,
        query: purgeQuery,
        doc: {
          summary: "Purge a tenant's cached responses, or one route's",
          description:
            'Without `route`: the whole namespace (every replica stops serving it at once, then the entries are deleted). With `route`: only that route template’s entries, every query and variant; the tenant’s other entries stay. Admin key only.',
          response: purgedSchema,
        },
      },
      async ({ params, query }) => {
        if (query.route === undefined) {
          return { tenant_id: params.tenant_id, route: null, removed: await deps.statistics.purgeTenant(params.tenant_id) };
        }
        const template = routeTemplateOf(query.route.split('?')[0] ?? '');
        if (!template) {
          throw new ValidationFailedError(`query.route: ${query.route} is no route of the gateway.`, [
            { field: 'query.route', message: `${query.route} is no route of the gateway` },
          ]);
        }
        return { tenant_id: params.tenant_id, route: template, removed: await deps.statistics.purgeRoute(params.tenant_id, template) };
      },
    ),
  );
  router.post(
    '/tenants/:tenant_id/warm',
    express.json({ limit: '256kb', type: ['application/json', 'application/*+json'] }),
    route(
      {
        params: tenantParams,
        body: warmBody,
        doc: {
          summary: "Warm a tenant's cache: fetch its GET routes as the tenant and store the answers",
          description:
            "Each path is fetched from its service with the tenant's identity and plan in force (never the admin's) and stored as a normal entry, so the tenant's next request of it is a HIT (keys without scopes). One at a time. A 400 names every path that is not a cacheable GET route of this tenant; 404 for an unknown tenant, 409 for a suspended or cancelled one. Admin key only.",
          response: warmedSchema,
        },
      },
      async ({ params, body }, req) => {
        const targets = deps.warmer.targets(params.tenant_id, body.paths);
        return { tenant_id: params.tenant_id, results: await deps.warmer.warm(params.tenant_id, targets, requestIdOf(req)) };
      },
    ),
  );
  return router;
}

/** The gateway's own operations as a document the API reference merges with the services' (`/openapi.json`). */
export function cacheAdminDocument(router: Router): ServiceDocument {
  const mounts: ApiMount[] = [{ prefix: CACHE_ADMIN_PREFIX, router, tag: 'gateway-cache' }];
  const document = openApiDocument(
    { title: 'Tenantry gateway', version: '1', description: "The gateway's own operations (admin key only)." },
    mounts,
  ) as unknown as OpenApiDocument;
  return { service: 'gateway', prefix: CACHE_ADMIN_PREFIX, document };
}
