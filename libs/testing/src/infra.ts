import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

/** A piece of real infrastructure an integration suite needs. */
export type InfraNeed = 'kafka' | 'mongo' | 'redis';

export interface InfraEndpoints {
  kafkaBrokers: string[];
  mongodbUri: string;
  redisUrl: string;
}

const ENV_OF: Record<InfraNeed, string> = { kafka: 'KAFKA_BROKERS', mongo: 'MONGODB_URI', redis: 'REDIS_URL' };

const HOW_TO_START =
  'Start real infrastructure with `eval "$(bash infra/local/up.sh)"` (Kafka, FerretDB, Redis without Docker), ' +
  'or run `npm test` on a machine with a Docker engine (testcontainers), or set KAFKA_BROKERS, MONGODB_URI, REDIS_URL.';

export function missingInfra(needs: readonly InfraNeed[], env: NodeJS.ProcessEnv = process.env): InfraNeed[] {
  return needs.filter((need) => !env[ENV_OF[need]]);
}

/** The endpoints of the real infrastructure, from the environment (set by you, infra/local or the Jest global setup). */
export function infraEndpoints(env: NodeJS.ProcessEnv = process.env): InfraEndpoints {
  return {
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean),
    mongodbUri: env['MONGODB_URI'] ?? '',
    redisUrl: env['REDIS_URL'] ?? '',
  };
}

/**
 * `describe` for a suite that runs against real infrastructure. When it is missing, the suite is
 * skipped with a loud notice locally, and FAILS under CI=true: CI must never pass by skipping.
 */
export function describeWithInfra(title: string, needs: readonly InfraNeed[], body: (infra: InfraEndpoints) => void): void {
  const missing = missingInfra(needs);
  if (missing.length === 0) {
    describe(title, () => {
      const endpoints = infraEndpoints();
      if (!needs.includes('mongo')) {
        body(endpoints);
        return;
      }
      body({ ...endpoints, mongodbUri: withDatabase(endpoints.mongodbUri, suiteDatabaseName()) });
    });
    return;
  }
  const reason = `needs ${missing.map((need) => ENV_OF[need]).join(', ')}. ${HOW_TO_START}`;
  if (isCi()) {
    describe(title, () => {
      it('has the real infrastructure it needs (CI=true never skips)', () => {
        throw new Error(`Integration suite "${title}" cannot run: it ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPED integration suite "${title}": it ${reason}\n\n`);
  describe.skip(title, () => body(infraEndpoints()));
}

/**
 * A database of the suite's own. Suites sharing one database share its outbox: a relay of one suite
 * (or one an earlier suite left running in the same Jest worker) would publish the other's events to
 * its own Kafka namespace, where the other suite never sees them. Everything a suite starts on
 * `infra.mongodbUri` (replicas, restarted processes, child processes) shares this database, and nothing
 * else does. The name carries the run's id (`TENANTRY_TEST_RUN`, set by the Jest global setup), so the
 * global teardown drops this run's databases and no other run's.
 */
function suiteDatabaseName(env: NodeJS.ProcessEnv = process.env): string {
  return `${SUITE_DATABASE_PREFIX}${env['TENANTRY_TEST_RUN'] ?? 'adhoc'}_${randomBytes(6).toString('hex')}`;
}

/** Suite databases are named `test_<run>_<random>`; global-teardown.js drops those of its run. */
export const SUITE_DATABASE_PREFIX = 'test_';

/** The URI with its database path replaced (host list and options kept). */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`MONGODB_URI is not a mongodb:// URI: ${uri.replace(/\/\/[^@/]*@/, '//…@')}`);
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

const run = promisify(execFile);
const INFRA_SCRIPTS = path.resolve(__dirname, '../../../infra/local');

/**
 * Stops or starts one component of the local real infrastructure (infra/local), for failure tests
 * such as "the broker restarts while events are pending". Only the infra/local setup can be controlled.
 */
export async function controlInfra(action: 'stop' | 'start', component: InfraNeed): Promise<void> {
  const script = path.join(INFRA_SCRIPTS, action === 'stop' ? 'down.sh' : 'up.sh');
  await run('bash', [script, component], { timeout: 180_000 });
}
