import {
  createHttpApp,
  idempotency,
  openApiRoute,
  requireFeature,
  requireSignedIdentity,
  type ApiMount,
  type IdempotencyStore,
  type ReadinessChecks,
} from '@tenantry/http';
import type { Logger } from '@tenantry/telemetry';
import type { Express } from 'express';
import type { AnyAction } from './actions/action';
import { capabilitiesRoutes } from './capabilities/capabilities.routes';
import type { Incidents } from './incidents/incidents';
import { incidentRoutes } from './incidents/incidents.routes';
import { quickActionRoutes } from './quick-actions/quick-actions.routes';
import type { Schedules } from './schedules/schedules';
import { scheduleRoutes } from './schedules/schedules.routes';
import type { Tasks } from './tasks/tasks';
import { taskRoutes } from './tasks/tasks.routes';
import type { SupportTickets } from './tickets/support-tickets';
import { ticketRoutes } from './tickets/tickets.routes';

export const API_PREFIX = '/api/v1/ai-assistant';

const OPENAPI_INFO = {
  title: 'Tenantry ai-assistant API',
  version: '1',
  description:
    'Automation tasks over the platform’s own data, through the gateway (`Authorization: Bearer <key>`). Needs the `ai_assistant` feature (pro, enterprise). The admin acts for a tenant with `?tenant_id=`. Errors are RFC 9457 problems.',
};

export interface AssistantAppDeps {
  logger: Logger;
  readiness?: ReadinessChecks;
  internalSecret: string;
  /** How old a gateway signature may be (default IDENTITY_MAX_AGE_MS). */
  identityMaxAgeMs?: number;
  tasks: Tasks;
  schedules: Schedules;
  incidents: Incidents;
  tickets: SupportTickets;
  actions: ReadonlyMap<string, AnyAction>;
  idempotencyStore: IdempotencyStore;
  quickWaitMs: number;
  clock: () => Date;
}

/** The ai-assistant service's HTTP app: every API route behind the gateway signature and the `ai_assistant` gate. */
export function createAssistantApp(deps: AssistantAppDeps): Express {
  const idempotent = idempotency({ store: deps.idempotencyStore, secret: deps.internalSecret, logger: deps.logger, now: deps.clock });
  return createHttpApp({
    service: 'ai-assistant',
    logger: deps.logger,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    configure(app) {
      const api: ApiMount[] = [
        { prefix: API_PREFIX, tag: 'tasks', router: taskRoutes({ tasks: deps.tasks, idempotent }) },
        {
          prefix: API_PREFIX,
          tag: 'quick-actions',
          router: quickActionRoutes({ tasks: deps.tasks, idempotent, waitMs: deps.quickWaitMs }),
        },
        { prefix: API_PREFIX, tag: 'schedules', router: scheduleRoutes({ schedules: deps.schedules }) },
        { prefix: API_PREFIX, tag: 'incidents', router: incidentRoutes({ incidents: deps.incidents }) },
        { prefix: API_PREFIX, tag: 'tickets', router: ticketRoutes({ tickets: deps.tickets }) },
        { prefix: API_PREFIX, tag: 'capabilities', router: capabilitiesRoutes(deps.actions) },
      ];
      app.get(`${API_PREFIX}/openapi.json`, ...openApiRoute(OPENAPI_INFO, api));
      app.use(
        API_PREFIX,
        requireSignedIdentity(deps.internalSecret, {
          audience: 'ai-assistant',
          ...(deps.identityMaxAgeMs === undefined ? {} : { maxAgeMs: deps.identityMaxAgeMs }),
        }),
        requireFeature('ai_assistant'),
        ...api.map(({ router }) => router),
      );
    },
  });
}
