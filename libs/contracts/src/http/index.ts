export * from './api-key-scopes';
export * from './tenants';
export * from './billing';
export * from './naming';
