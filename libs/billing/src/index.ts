export { buildBillingApp, billingService, type BillingAppDependencies } from './app';
