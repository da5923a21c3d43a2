import { aiAssistantService } from '@tenantry/ai-assistant';
import { billingService } from '@tenantry/billing';
import { gatewayService } from '@tenantry/gateway';
import { observabilityService } from '@tenantry/observability';
import type { ServiceDefinition } from '@tenantry/runtime';
import { tenantsService } from '@tenantry/tenants';

/** Upstream services first, the gateway last: it only accepts traffic once they listen. */
export const allServices: readonly ServiceDefinition[] = [
  tenantsService,
  billingService,
  observabilityService,
  aiAssistantService,
  gatewayService,
];
