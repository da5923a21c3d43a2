import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The architecture is enforced by lint, not by convention: these cases lint source text as if it were
// written at a given path and check what @nx/enforce-module-boundaries says about it.
const workspaceRoot = path.resolve(__dirname, '../..');

const importing = (pkg: string) => `import * as client from '${pkg}';\nexport const used = client;\n`;

// [who, where, what it imports, what the lint error says]
const forbidden: Array<[what: string, filePath: string, pkg: string, says: string]> = [
  ['an app', 'apps/gateway/src/forbidden.ts', 'kafkajs', 'not allowed to import "kafkajs"'],
  ['an app', 'apps/tenants/src/forbidden.ts', 'ioredis', 'not allowed to import "ioredis"'],
  ['an app', 'apps/billing/src/forbidden.ts', 'mongoose', 'not allowed to import "mongoose"'],
  ['a service library', 'libs/tenants/src/forbidden.ts', 'mongoose', 'not allowed to import "mongoose"'],
  ['the cache library', 'libs/platform/cache/src/forbidden.ts', 'kafkajs', 'not allowed to import "kafkajs"'],
  ['the event-bus library', 'libs/platform/event-bus/src/forbidden.ts', 'ioredis', 'not allowed to import "ioredis"'],
  ['the persistence library', 'libs/platform/persistence/src/forbidden.ts', 'kafkajs', 'not allowed to import "kafkajs"'],
  ['the contracts library', 'libs/contracts/src/forbidden.ts', 'express', 'not allowed to import "express"'],
  ['a utility library', 'libs/platform/config/src/forbidden.ts', '@tenantry/cache', 'can only depend on libs tagged with'],
  // Services depend on the platform, so the reverse import is refused as a cycle before the layer rule.
  [
    'a platform library',
    'libs/platform/cache/src/forbidden.ts',
    '@tenantry/observability',
    'Circular dependency between "cache" and "observability-service"',
  ],
  ['production code', 'libs/tenants/src/forbidden.ts', '@tenantry/testing', 'can only depend on libs tagged with'],
];

const allowed: Array<[filePath: string, pkg: string]> = [
  ['libs/platform/event-bus/src/allowed.ts', 'kafkajs'],
  ['libs/platform/cache/src/allowed.ts', 'ioredis'],
  ['libs/platform/persistence/src/allowed.ts', 'mongoose'],
  ['libs/contracts/src/allowed.ts', 'zod'],
  ['libs/tenants/src/allowed.spec.ts', '@tenantry/testing'],
];

interface LintResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; message: string }>;
}

function boundaryErrors(cases: Array<[filePath: string, pkg: string]>): string[][] {
  const input = cases.map(([file, pkg]) => ({ filePath: path.join(workspaceRoot, file), code: importing(pkg) }));
  const output = execFileSync(process.execPath, [path.join(__dirname, 'lint-texts.mjs')], {
    cwd: workspaceRoot,
    input: JSON.stringify(input),
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  const results = JSON.parse(output.toString('utf8')) as LintResult[];
  return results.map((r) => r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
}

describe('module boundaries', () => {
  let forbiddenErrors: string[][];
  let allowedErrors: string[][];
  beforeAll(() => {
    const errors = boundaryErrors([...forbidden.map(([, file, pkg]): [string, string] => [file, pkg]), ...allowed]);
    forbiddenErrors = errors.slice(0, forbidden.length);
    allowedErrors = errors.slice(forbidden.length);
  });

  it.each(forbidden.map((c, i) => [...c, i] as const))('when %s (%s) imports %s, then lint fails: %s', (_what, _file, _pkg, says, i) => {
    expect(forbiddenErrors[i]?.join('\n')).toContain(says);
  });

  it.each(allowed.map((c, i) => [...c, i] as const))('when %s imports %s, then lint allows it', (_file, _pkg, i) => {
    expect(allowedErrors[i]).toEqual([]);
  });
});
