import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';

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
      const mongodbUri = withDatabase(endpoints.mongodbUri, suiteDatabaseName());
      body({ ...endpoints, mongodbUri });
      afterAll(() => dropDatabase(mongodbUri));
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
 * A database of the suite's own. Suites run in parallel (Jest workers), and two platforms sharing one
 * database share its outbox: a relay of one suite would publish the other's events to its own Kafka
 * namespace, where the other suite never sees them. Everything a suite starts on `infra.mongodbUri`
 * (replicas, restarted processes, child processes) shares this database, and nothing else does.
 */
function suiteDatabaseName(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

/** The URI with its database path replaced (host list and options kept). */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`MONGODB_URI is not a mongodb:// URI: ${uri.replace(/\/\/[^@/]*@/, '//…@')}`);
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

/** Removes a suite's database after its tests (a failure is reported, not thrown: the tests are over). */
async function dropDatabase(uri: string): Promise<void> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await connection.asPromise();
    await connection.dropDatabase();
  } catch (error) {
    process.stderr.write(`Could not drop the suite's database: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await connection.close().catch(() => undefined);
  }
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
