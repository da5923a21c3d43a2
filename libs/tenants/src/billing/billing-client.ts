import { context, propagation } from '@opentelemetry/api';
import {
  ServiceUnavailableError,
  subscriptionChangeResultSchema,
  tenantSubscriptionChangePath,
  tenantUsageDaysPath,
  tenantUsageDaysSchema,
  type ChangeSubscriptionRequest,
  type TenantUsageDays,
} from '@tenantry/contracts';
import { HttpProblem, PROBLEM_TYPE_BASE, signIdentity, type Identity } from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import { z } from 'zod';

/** Who this service is to billing: a platform service, signed like every internal call. */
const CALLER: Identity = { role: 'service', service: 'tenants' };
/** A plan change may issue an invoice or a credit note: give it longer than a read. */
export const BILLING_CHANGE_TIMEOUT_MS = 10_000;
export const BILLING_READ_TIMEOUT_MS = 5_000;

export interface BillingClientOptions {
  /** Billing's base URL, asked on every call: in the all-in-one process billing starts after this service. */
  baseUrl: () => string;
  /** INTERNAL_SECRET, which signs the service identity billing checks. */
  internalSecret: string;
  logger: Logger;
  /** Overrides both default timeouts (tests). */
  timeoutMs?: number;
}

/** A successful answer of billing, passed on as it came. */
export interface BillingAnswer {
  status: number;
  body: unknown;
}

interface RawAnswer {
  status: number;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  json: unknown;
}

/** The members of billing's problem documents that the client's problem is rebuilt from. */
const billingProblemSchema = z.looseObject({
  type: z.string().startsWith(PROBLEM_TYPE_BASE),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
});

/**
 * Billing's two internal endpoints the tenants service uses: the subscription change behind
 * `POST /tenants/{id}/upgrade`, and the metered days behind `GET /tenants/{id}/usage`. Every call is
 * signed as the `tenants` service, carries the trace context, and has a deadline; billing unreachable,
 * too slow, or answering something the contract does not describe is a 503 problem, never a 500 or a
 * hanging request.
 */
export class BillingClient {
  constructor(private readonly options: BillingClientOptions) {}

  /**
   * Asks billing to change the tenant's subscription (or only to price the change, with `preview`).
   * A 2xx comes back as it came (checked against SubscriptionChangeResult). A problem of billing (a 4xx
   * such as "no subscription", or a 5xx) is thrown as the same problem — status, type, detail and its
   * extension members — so it reaches the client through the one problem mapper, with this request's
   * `instance` rather than billing's internal path.
   */
  async changeSubscription(tenantId: string, change: ChangeSubscriptionRequest, options: { preview: boolean }): Promise<BillingAnswer> {
    const path = `${tenantSubscriptionChangePath(tenantId)}${options.preview ? '?preview=true' : ''}`;
    const unavailable = 'The plan cannot be changed right now: the billing service did not answer. Retry later.';
    const answer = await this.send('POST', path, change, BILLING_CHANGE_TIMEOUT_MS, unavailable);
    if (answer.status >= 200 && answer.status < 300) {
      this.expect(subscriptionChangeResultSchema, answer, path, unavailable);
      return { status: answer.status, body: answer.json };
    }
    throw this.problemOf(answer, path, unavailable);
  }

  /** The tenant's metered API calls per local day, `from`–`to` inclusive (YYYY-MM-DD): only days with calls. */
  async usageDays(tenantId: string, range: { from: string; to: string }): Promise<TenantUsageDays> {
    const path = `${tenantUsageDaysPath(tenantId)}?${new URLSearchParams({ from: range.from, to: range.to }).toString()}`;
    const unavailable = 'Usage cannot be read right now: the billing service, which meters API calls, did not answer. Retry later.';
    const answer = await this.send('GET', path, undefined, BILLING_READ_TIMEOUT_MS, unavailable);
    if (answer.status !== 200) {
      this.options.logger.error({ status: answer.status, path }, 'billing refused to tell the metered usage');
      throw new ServiceUnavailableError(unavailable);
    }
    return this.expect(tenantUsageDaysSchema, answer, path, unavailable);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    defaultTimeoutMs: number,
    unavailable: string,
  ): Promise<RawAnswer> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const bodyLength = json === undefined ? undefined : Buffer.byteLength(json);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...signIdentity(CALLER, { method, url: path, audience: 'billing', bodyLength }, this.options.internalSecret),
    };
    propagation.inject(context.active(), headers);
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.options.baseUrl()}${path}`, {
        method,
        headers,
        ...(json === undefined ? {} : { body: json }),
        // Covers reading the body too: a billing that stalls mid-answer is as unavailable as a silent one.
        signal: AbortSignal.timeout(this.options.timeoutMs ?? defaultTimeoutMs),
      });
      const text = await response.text();
      return { status: response.status, json: parseJson(text) };
    } catch (error) {
      this.options.logger.warn({ err: error, method, path }, 'the billing service could not be reached');
      throw new ServiceUnavailableError(unavailable);
    }
  }

  private expect<S extends z.ZodType>(schema: S, answer: RawAnswer, path: string, unavailable: string): z.output<S> {
    const parsed = schema.safeParse(answer.json);
    if (parsed.success) return parsed.data;
    this.options.logger.error(
      { status: answer.status, path, issues: parsed.error.issues.slice(0, 5) },
      'billing answered outside its contract',
    );
    throw new ServiceUnavailableError(unavailable);
  }

  private problemOf(answer: RawAnswer, path: string, unavailable: string): Error {
    const problem = billingProblemSchema.safeParse(answer.json);
    // A 401 means billing did not accept this service's signature (INTERNAL_SECRET or clocks differ):
    // a fault between the services, not something the client did or can fix.
    if (!problem.success || problem.data.status !== answer.status || answer.status === 401) {
      this.options.logger.error({ status: answer.status, path }, 'billing answered a plan change with an unexpected error');
      return new ServiceUnavailableError(unavailable);
    }
    const { type, title, status, detail, instance: _instance, request_id: _requestId, ...extensions } = problem.data;
    return new HttpProblem(type.slice(PROBLEM_TYPE_BASE.length), status, title, detail, extensions);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
