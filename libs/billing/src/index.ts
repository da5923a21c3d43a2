import { notBuiltService } from '@tenantry/runtime';

/** How the runtime starts the billing service (alone in apps/billing, or with the others in apps/all-in-one). */
export const billingService = notBuiltService({ name: 'billing', apiPrefix: '/api/v1/monetization', capability: 'Plans, subscriptions, usage and invoices' });
