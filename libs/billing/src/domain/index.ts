/**
 * Billing arithmetic as pure functions: periods, proration, plan changes, overage and settlement. No I/O
 * and no clock (every instant is an argument), money in integer cents only, so the service can preview a
 * change with exactly the numbers it will later bill.
 */
export * from './periods';
export * from './proration';
export * from './pricing';
export * from './lines';
export * from './plan-change';
export * from './overage';
export * from './settlement';
export { mulDivRoundHalfUp } from './money';
