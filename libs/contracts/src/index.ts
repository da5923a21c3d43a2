export * from './errors';
export * from './events';
export * from './plans';
export * from './internal/api-key-resolution';
export * from './http';
export * from './internal/billing';
export { localDate } from './time/local-date';
