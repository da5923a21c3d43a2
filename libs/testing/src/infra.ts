import { execFile } from 'node:child_process';
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
    describe(title, () => body(infraEndpoints()));
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
