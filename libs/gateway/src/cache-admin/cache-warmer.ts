import {
  ConflictError,
  type FieldIssue,
  hasFeature,
  NotFoundError,
  type PlanId,
  planIdSchema,
  ServiceUnavailableError,
  tenantStatusSchema,
  ValidationFailedError,
} from '@tenantry/contracts';
import type { Identity } from '@tenantry/http';
import { z } from 'zod';
import type { PlansInForce } from '../auth/plans-in-force';
import type { Upstreams } from '../proxy/upstreams';
import type { OutcomeReason, ResponseCache, UpstreamResponse } from '../response-cache';
import { isAmbiguousPath, isPublicRequest, matchRoute, UPSTREAM_ROUTES, type UpstreamRoute } from '../routes';

/** The key id in the identity of a warming request: no tenant key is involved, and services can tell these requests apart. */
export const WARMER_KEY_ID = 'gateway-cache-warmer';

/** What warming needs to know of a tenant, from the tenants service. */
export interface WarmedTenant {
  status: z.output<typeof tenantStatusSchema>;
  planId: PlanId;
}

export type TenantLookup = (tenantId: string, requestId: string | undefined) => Promise<WarmedTenant | null>;

export interface PathWarmed {
  path: string;
  /** The status the service answered (403 when the tenant's plan lacks the route's feature: not fetched). */
  status: number;
  cache: 'STORED' | 'NOT_STORED';
  /** Why it was not stored: `not-storable:*`, `route-disabled`, `cache-unavailable`, `feature-not-in-plan`, `upstream-error`. */
  reason: string | null;
}

interface WarmTarget {
  path: string;
  pathOnly: string;
  query: string;
  route: UpstreamRoute;
}

const TENANT_ID_SEGMENT = /^ten_/;

/**
 * Fetches a list of a tenant's GET routes AS the tenant — its identity and the plan in force, never the
 * admin's — and stores each answer as a normal entry of the tenant's namespace (the unscoped partition:
 * what keys without scopes read), so the tenant's next request of each is a HIT.
 */
export class CacheWarmer {
  constructor(
    private readonly deps: {
      responseCache: ResponseCache;
      upstreams: Upstreams;
      plans: PlansInForce;
      lookupTenant: TenantLookup;
    },
  ) {}

  /** Every path a cacheable GET route of this tenant, or ONE 400 naming each bad one (`paths.<i>`). */
  targets(tenantId: string, paths: readonly string[]): WarmTarget[] {
    const issues: FieldIssue[] = [];
    const targets = paths.flatMap((path, index): WarmTarget[] => {
      const problem = this.problemOf(tenantId, path);
      if (typeof problem === 'string') {
        issues.push({ field: `paths.${index}`, message: `${path}: ${problem}` });
        return [];
      }
      return [problem];
    });
    if (issues.length > 0) {
      throw new ValidationFailedError(`Not warmable for tenant ${tenantId}: ${issues.map((issue) => issue.message).join('; ')}`, issues);
    }
    return targets;
  }

  async warm(tenantId: string, targets: readonly WarmTarget[], requestId: string | undefined): Promise<PathWarmed[]> {
    const tenant = await this.deps.lookupTenant(tenantId, requestId);
    if (!tenant) throw new NotFoundError(`Tenant ${tenantId} not found.`);
    if (tenant.status === 'suspended' || tenant.status === 'cancelled') {
      throw new ConflictError(`Tenant ${tenantId} is ${tenant.status}: its requests are refused, so there is nothing to warm.`, {
        tenant_status: tenant.status,
      });
    }
    // The plan its own requests would carry: the newest the subscription events put in force, else the tenants service's.
    const { planId } = this.deps.plans.inForce(tenantId, { planId: tenant.planId, revision: -1 });
    const identity: Identity = { role: 'tenant', tenantId, keyId: WARMER_KEY_ID, scopes: [], planId };
    const results: PathWarmed[] = [];
    // One at a time: warming is an operator's background chore, and must not crowd the tenant's own traffic.
    for (const target of targets) results.push(await this.warmOne(tenantId, target, identity, planId, requestId));
    return results;
  }

  private async warmOne(
    tenantId: string,
    { path, pathOnly, query, route }: WarmTarget,
    identity: Identity,
    planId: PlanId,
    requestId: string | undefined,
  ): Promise<PathWarmed> {
    if (route.feature && !hasFeature(planId, route.feature))
      return { path, status: 403, cache: 'NOT_STORED', reason: 'feature-not-in-plan' };
    const headers = { accept: 'application/json' };
    try {
      const warmed = await this.deps.responseCache.warm(
        { tenantId, method: 'GET', path: pathOnly, query, headers },
        (): Promise<UpstreamResponse> =>
          this.deps.upstreams.fetch({
            route,
            method: 'GET',
            url: path,
            headers,
            identity,
            pool: 'control',
            ...(requestId ? { requestId } : {}),
          }),
      );
      return warmed.stored
        ? { path, status: warmed.response.statusCode, cache: 'STORED', reason: null }
        : { path, status: warmed.response.statusCode, cache: 'NOT_STORED', reason: reasonOf(warmed.reason) };
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      return { path, status: typeof status === 'number' ? status : 502, cache: 'NOT_STORED', reason: 'upstream-error' };
    }
  }

  /** The warm target, or what is wrong with the path. */
  private problemOf(tenantId: string, path: string): WarmTarget | string {
    if (!path.startsWith('/')) return 'not a path (it must start with /)';
    if (path.includes('#')) return 'a path has no fragment';
    const queryAt = path.indexOf('?');
    const pathOnly = queryAt === -1 ? path : path.slice(0, queryAt);
    const query = queryAt === -1 ? '' : path.slice(queryAt + 1);
    if (isAmbiguousPath(pathOnly)) return 'dot segments and encoded slashes are never routed';
    const route = matchRoute(pathOnly);
    if (!route) return 'no gateway route serves it';
    if (isPublicRequest('GET', pathOnly)) return "a public route: cached in the shared public namespace, not the tenant's";
    const segments = pathOnly.split('/');
    // Under /api/v1/tenants the next segment is the tenant; anywhere, a tenant id must be this one.
    const named = route.prefix === '/api/v1/tenants' ? segments[4] : undefined;
    if (named !== undefined && named !== tenantId) return `not a route of tenant ${tenantId}`;
    if (segments.some((segment) => TENANT_ID_SEGMENT.test(segment) && segment !== tenantId)) return `not a route of tenant ${tenantId}`;
    if (!this.deps.responseCache.caches({ tenantId, method: 'GET', path: pathOnly, query, headers: {} }))
      return 'the gateway does not cache this route (response cache disabled, or RESPONSE_CACHE_TTL_RULES gives it 0)';
    return { path, pathOnly, query, route };
  }
}

function reasonOf(reason: OutcomeReason): string {
  return reason === 'disabled' ? 'cache-disabled' : reason;
}

const TENANTS_ROUTE = UPSTREAM_ROUTES.find((route) => route.service === 'tenants') ?? UPSTREAM_ROUTES[0];
const tenantAnswerSchema = z.object({ status: tenantStatusSchema, subscription_tier: planIdSchema });

/** The tenant's status and plan, asked of the tenants service as the admin (`GET /api/v1/tenants/{id}`); null when it has none. */
export function tenantLookupThrough(upstreams: Upstreams): TenantLookup {
  return async (tenantId, requestId) => {
    if (!TENANTS_ROUTE) throw new Error('no route to the tenants service');
    const response = await upstreams.fetch({
      route: TENANTS_ROUTE,
      method: 'GET',
      url: `${TENANTS_ROUTE.prefix}/${encodeURIComponent(tenantId)}`,
      headers: { accept: 'application/json' },
      identity: { role: 'admin' },
      pool: 'control',
      ...(requestId ? { requestId } : {}),
    });
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200)
      throw new ServiceUnavailableError(`The tenants service answered ${response.statusCode} for tenant ${tenantId}; try again.`);
    const tenant = tenantAnswerSchema.parse(JSON.parse(response.body.toString('utf8')));
    return { status: tenant.status, planId: tenant.subscription_tier };
  };
}
