import { z } from 'zod';

/**
 * Freshness overrides of the response cache (`RESPONSE_CACHE_TTL_RULES`): the first rule whose tenant
 * and route both match gives the TTL (0 = do not cache). `route` is a path pattern where `*` stands for
 * one segment and a trailing `/**` for any rest, e.g. `/api/v1/tenants/*\/features`.
 */
export const cacheTtlRuleSchema = z
  .object({
    route: z.string().startsWith('/').max(256).optional(),
    tenantId: z.string().min(1).max(128).optional(),
    ttlSeconds: z.number().int().min(0).max(86_400),
  })
  .strict()
  .refine((rule) => rule.route !== undefined || rule.tenantId !== undefined, { message: 'a rule needs a route, a tenantId or both' });
export type CacheTtlRule = z.output<typeof cacheTtlRuleSchema>;

export const cacheTtlRulesSchema = z.array(cacheTtlRuleSchema).max(1_000);

interface CompiledRule {
  tenantId?: string;
  pattern?: RegExp;
  ttlSeconds: number;
}

/** The `routeTtl` function of the response cache for these rules (undefined when there are none). */
export function compileCacheTtlRules(
  rules: readonly CacheTtlRule[],
): ((req: { tenantId: string; path: string }) => number | undefined) | undefined {
  if (rules.length === 0) return undefined;
  const compiled: CompiledRule[] = rules.map((rule) => ({
    tenantId: rule.tenantId,
    pattern: rule.route ? toPattern(rule.route) : undefined,
    ttlSeconds: rule.ttlSeconds,
  }));
  return ({ tenantId, path }) => {
    for (const rule of compiled) {
      if (rule.tenantId !== undefined && rule.tenantId !== tenantId) continue;
      if (rule.pattern && !rule.pattern.test(path)) continue;
      return rule.ttlSeconds;
    }
    return undefined;
  };
}

function toPattern(route: string): RegExp {
  const anyRest = route.endsWith('/**');
  const segments = (anyRest ? route.slice(0, -3) : route)
    .split('/')
    .map((segment) => (segment === '*' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}${anyRest ? '(?:/.*)?' : ''}$`);
}
