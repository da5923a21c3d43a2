import {
  changeSubscriptionRequestSchema,
  type ChangeSubscriptionRequest,
  type SubscriptionChangeResult,
  type TenantUsageDays,
} from '@tenantry/contracts';
import { createHttpApp, identityOf, requireSignedIdentity, startHttpServer, type Identity, type RunningHttpServer } from '@tenantry/http';
import { createLogger } from '@tenantry/telemetry';
import type { Request, Response } from 'express';

export interface BillingRequest {
  method: string;
  /** Path and query, as signed. */
  url: string;
  tenantId: string;
  query: Record<string, string>;
  body: unknown;
  /** The identity billing verified from the signature. */
  identity: Identity;
}

/** What billing does with the next subscription change: answer (any status and raw body), or never answer. */
export type ChangeBehaviour =
  { status: number; body: unknown } | { rawBody: string; status: number; contentType: string } | 'hang' | 'default';

export interface FakeBilling {
  url: string;
  /** Every request that passed billing's signature check, oldest first. */
  requests: BillingRequest[];
  /** The metered days `usage-days` answers for a tenant (filtered to the asked range, as billing does). */
  meter(tenantId: string, days: TenantUsageDays['days']): void;
  /** How the following subscription changes are answered; `default` = a 200 result built from the request. */
  answerChangesWith(behaviour: ChangeBehaviour): void;
  /** `usage-days` answers this instead (status and body). */
  answerUsageWith(answer: { status: number; body: unknown } | 'default'): void;
  close(): Promise<void>;
}

/**
 * Billing's two internal endpoints as a real HTTP server on a loopback port, checking the gateway-style
 * signature with the same middleware billing uses. For the tenants service's specs: billing itself is
 * another service, built elsewhere.
 */
export async function startFakeBilling(options: { secret: string }): Promise<FakeBilling> {
  const requests: BillingRequest[] = [];
  const metered = new Map<string, TenantUsageDays['days']>();
  let changeBehaviour: ChangeBehaviour = 'default';
  let usageAnswer: { status: number; body: unknown } | 'default' = 'default';
  const hanging = new Set<Response>();

  const record = (req: Request): BillingRequest => {
    const entry = {
      method: req.method,
      url: req.originalUrl,
      tenantId: String(req.params['tenantId']),
      query: Object.fromEntries(Object.entries(req.query).map(([key, value]) => [key, String(value)])),
      body: req.body as unknown,
      identity: identityOf(req),
    };
    requests.push(entry);
    return entry;
  };

  const app = createHttpApp({
    service: 'billing',
    logger: createLogger({ service: 'billing', level: 'silent' }),
    configure(express) {
      express.use('/internal', requireSignedIdentity(options.secret, { audience: 'billing' }));
      express.post('/internal/v1/tenants/:tenantId/subscription/change', (req, res) => {
        const { tenantId, query } = record(req);
        const behaviour = changeBehaviour;
        if (behaviour === 'hang') {
          hanging.add(res);
          return;
        }
        if (behaviour === 'default') {
          res.json(changeResult(tenantId, changeSubscriptionRequestSchema.parse(req.body), query['preview'] === 'true'));
        } else if ('rawBody' in behaviour) {
          res.status(behaviour.status).type(behaviour.contentType).send(behaviour.rawBody);
        } else {
          res
            .status(behaviour.status)
            .type(behaviour.status >= 400 ? 'application/problem+json' : 'application/json')
            .send(JSON.stringify(behaviour.body));
        }
      });
      express.get('/internal/v1/tenants/:tenantId/usage-days', (req, res) => {
        const { tenantId, query } = record(req);
        if (usageAnswer !== 'default') {
          res.status(usageAnswer.status).json(usageAnswer.body);
          return;
        }
        const from = query['from'] ?? '';
        const to = query['to'] ?? '';
        res.json({
          tenantId,
          days: (metered.get(tenantId) ?? []).filter((day) => day.date >= from && day.date <= to),
        } satisfies TenantUsageDays);
      });
    },
  });
  const server: RunningHttpServer = await startHttpServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ service: 'billing', level: 'silent' }),
    shutdownGraceMs: 100,
  });

  return {
    url: server.url,
    requests,
    meter: (tenantId, days) => void metered.set(tenantId, days),
    answerChangesWith(behaviour) {
      changeBehaviour = behaviour;
    },
    answerUsageWith(answer) {
      usageAnswer = answer;
    },
    async close() {
      for (const res of hanging) res.destroy();
      await server.close();
    },
  };
}

/** A plausible SubscriptionChangeResult for a change asked of billing. */
export function changeResult(tenantId: string, change: ChangeSubscriptionRequest, preview: boolean): SubscriptionChangeResult {
  const now = new Date();
  const end = new Date(now.getTime() + 30 * 24 * 60 * 60 * 1000);
  const planId = change.plan_id ?? 'basic';
  const interval = change.interval ?? 'monthly';
  return {
    preview,
    kind: 'upgrade',
    timing: 'immediate',
    effective_at: now.toISOString(),
    subscription: {
      id: `sub_${tenantId}`,
      tenant_id: tenantId,
      plan_id: planId,
      interval,
      status: 'active',
      trial_ends_at: null,
      trial_end_behavior: 'convert',
      billing_cycle_anchor: now.toISOString(),
      current_period: { start: now.toISOString(), end: end.toISOString() },
      pending_change: null,
      cancelled_at: null,
      created_at: now.toISOString(),
    },
    invoice: null,
  };
}
