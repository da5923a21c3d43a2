export * from './infra';
export * from './poll';
export * from './ids';
export * from './browser';
