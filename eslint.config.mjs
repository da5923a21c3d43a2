import nx from '@nx/eslint-plugin';

// Which npm packages may be imported where. Infrastructure clients stay behind their port libraries
// (STYLE.md practice 3) so that embedded and real mode share every other line of code.
const infraClients = ['kafkajs', 'ioredis', 'mongoose', 'mongodb'];
const allInfraClientsBanned = (scope) => ({ sourceTag: `scope:${scope}`, bannedExternalImports: infraClients });

const layerConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:infra', 'type:util', 'type:contract'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:infra', 'type:util', 'type:contract'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:util', 'type:contract'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'], allowedExternalImports: ['zod'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:util', 'type:contract', 'type:testing'] },
];

const importConstraints = [
  { sourceTag: 'scope:event-bus', bannedExternalImports: ['ioredis', 'mongoose', 'mongodb'] },
  { sourceTag: 'scope:cache', bannedExternalImports: ['kafkajs', 'mongoose', 'mongodb'] },
  { sourceTag: 'scope:persistence', bannedExternalImports: ['kafkajs', 'ioredis'] },
  ...['shared', 'gateway', 'tenants', 'billing', 'observability', 'ai-assistant', 'all-in-one'].map(allInfraClientsBanned),
];

const boundaries = (extraLayer = []) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: [],
    depConstraints: [
      ...layerConstraints.map((c) => ({
        ...c,
        onlyDependOnLibsWithTags: c.onlyDependOnLibsWithTags && [...c.onlyDependOnLibsWithTags, ...extraLayer],
      })),
      ...importConstraints,
    ],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.nx'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    // Tests may use the shared test harness and factories; production code may not.
    files: ['**/*.spec.ts', '**/test-support/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(['type:testing']),
      'no-console': 'off',
    },
  },
];
