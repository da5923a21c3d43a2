export * from './sla-credit-ledger';
export * from './parked-sla-credit.collection';
export * from './sla-credits';
export * from './sla-breached-consumer';
