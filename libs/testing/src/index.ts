export * from './infra';
export * from './poll';
export * from './ids';
export * from './raw-http';
export * from './permutations';
export * from './browser';
export * from './snake-case';
export * from './private-redis';
