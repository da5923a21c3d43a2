/** The README walkthroughs' shell helpers, as the e2e specs that follow them step by step use them. */

export const MINUTE = 60_000;

/** The README's `at` of a minute T: minutes from it, as RFC 3339 (`date -u -d @… +%FT%TZ`). */
export const at = (t: number, minutes: number): string => new Date(t + minutes * MINUTE).toISOString().replace('.000Z', 'Z');

/** The README's `T`: the start of the current minute. */
export const thisMinute = (): number => Math.floor(Date.now() / MINUTE) * MINUTE;

/** The README's `record` helper: one sample of the tenant's gateway traffic over [start, end) (`POST /metrics/record`). */
export function recordBody(
  tenantId: string,
  batch: string,
  start: string,
  end: string,
  requests: number,
  errors: number,
  clientErrors: number,
) {
  return {
    batch_id: `${tenantId}-${batch}`,
    tenant_id: tenantId,
    window: { start, end },
    latency_bucket_bounds_ms: [300],
    samples: [
      {
        service: 'gateway',
        route: '/api/v1/tenants/{tenant_id}',
        method: 'GET',
        request_count: requests,
        error_count: errors,
        client_error_count: clientErrors,
        latency_ms: { sum: requests * 40, max: 120, buckets: [requests, 0] },
      },
    ],
  };
}
