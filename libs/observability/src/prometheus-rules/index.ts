export * from './sli-queries';
export * from './slo-rules';
export * from './rules-yaml';
export * from './rules-file';
