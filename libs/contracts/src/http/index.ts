export * from './tenants';
export * from './billing';
