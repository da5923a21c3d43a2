export { billingService, EVENT_SOURCE } from './billing-service';
export { createBillingApp, API_PREFIX, INTERNAL_PREFIX, type BillingAppDeps } from './billing-app';
export { loadBillingConfig, billingEnvSchema, type BillingEnv } from './billing-config';
export type { PaymentProvider, PayableDocument, PaymentOutcome } from './invoices/payment-provider';
