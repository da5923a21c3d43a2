import { z } from 'zod';

/**
 * The RFC 9457 problem every error answer is, with every extension member a Tenantry problem carries
 * (RFC 9457 §3.2): closed, so the conformance test (apps/all-in-one/src/e2e/conformance.e2e.spec.ts)
 * fails when a service sends a member this schema does not document. A new extension member goes here.
 */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'A stable URI to branch on, e.g. https://tenantry.dev/problems/validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'What is wrong, for a human' }),
    instance: z.string().meta({ description: 'The path of the request (without its query)' }),
    request_id: z.string().optional().meta({ description: 'The X-Request-Id of the request; quote it when reporting a problem' }),
    // 400
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: '400: the failing fields (`field` is a dotted path, `query.` or `headers.` for those parts)' }),
    // 403
    tenant_status: z
      .enum(['suspended', 'cancelled'])
      .optional()
      .meta({ description: "403: the status that disabled the tenant's API access" }),
    feature: z.string().optional().meta({ description: '403: the plan feature the route needs' }),
    current_plan: z.string().optional().meta({ description: '403: the plan the tenant is on' }),
    required_plan: z.string().optional().meta({ description: '403: the lowest plan that includes the feature' }),
    required_scope: z.string().optional().meta({ description: '403: the scope the request needs' }),
    key_scopes: z.array(z.string()).optional().meta({ description: '403: the scopes of the API key used' }),
    caller_scopes: z
      .array(z.string())
      .optional()
      .meta({ description: '403: the scopes of the calling key, which a key it issues cannot exceed' }),
    requested_scopes: z.array(z.string()).optional().meta({ description: '403: the scopes asked for' }),
    // 404 / 409
    from: z.string().optional().meta({ description: '409: the current status' }),
    to: z.string().optional().meta({ description: '409: the status asked for' }),
    allowed: z.array(z.string()).optional().meta({ description: '409: the statuses the current one may change to' }),
    collection: z.string().optional().meta({ description: '404/409: the kind of record' }),
    id: z.string().optional().meta({ description: "404/409: the record's id" }),
    expected_version: z.number().int().optional().meta({ description: '409: the version the change was based on' }),
    current_version: z.number().int().optional().meta({ description: '409: the version found' }),
    retryable: z.boolean().optional().meta({ description: '409: the same request may succeed if retried' }),
    tenant_id: z.string().optional(),
    subscription_id: z.string().optional(),
    invoice_id: z.string().optional(),
    key_id: z.string().optional(),
    plan_id: z.string().optional().meta({ description: '409: the plan the subscription is already on' }),
    interval: z.string().optional().meta({ description: '409: the billing interval the subscription is already on' }),
    paid_at: z.string().nullable().optional().meta({ description: '409: when the invoice was paid' }),
    limit: z.number().int().optional().meta({ description: '409: the limit reached' }),
    // 429
    policy: z.enum(['minute', 'day', 'concurrency', 'authentication']).optional().meta({
      description:
        '429: what refused the request: a rate-limit window (RateLimit-Policy names it), the per-tenant bound on requests in flight, or too many failed authentications from the address',
    }),
    concurrency_limit: z
      .number()
      .int()
      .optional()
      .meta({ description: '429 (policy concurrency): how many requests of one tenant may be in flight at once' }),
    // 501
    capability: z.string().optional().meta({ description: '501: the capability not built yet' }),
  })
  .strict()
  .meta({
    id: 'Problem',
    description: 'An RFC 9457 problem (application/problem+json); members other than the first five appear where they apply',
  });
