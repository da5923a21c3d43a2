import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { forgetOnExit, freePort, killOnExit } from './processes';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

export interface PrivateInfra {
  kafkaBrokers: string;
  mongodbUri: string;
  redisUrl: string;
  /** Server name → pid, for CPU accounting. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A Kafka broker, a FerretDB and a Redis for the gateway scenarios alone: infra/local/up.sh with its own
 * TENANTRY_INFRA_DIR and free ports (same binaries and settings as the shared ones, ≈ 3 s to start).
 * Why not the shared servers: other engineers' reliability tests stop and restart them (libs/testing
 * `controlInfra`), which shows up here as cache bypasses and latency spikes; and every platform process
 * on a broker joins the same consumer groups (e.g. `billing-metering`), so an e2e run elsewhere would take
 * partitions of `metric.recorded` away from the bench's tenants service.
 */
export async function startPrivateInfra(stateDir: string): Promise<PrivateInfra> {
  // up.sh formats Kafka with a random cluster id; one starting with '-' is taken for an option by
  // kafka-storage and the format fails (1 in 64): start again, wiped, with a new id.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(stateDir);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function startOnce(stateDir: string): Promise<PrivateInfra> {
  const [kafka, controller, mongo, redis] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    TENANTRY_INFRA_DIR: stateDir,
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(controller),
    MONGO_PORT: String(mongo),
    REDIS_PORT: String(redis),
  };
  const script = (name: string) => path.join(ROOT, 'infra/local', name);
  const stop = async () => {
    await run('bash', [script('down.sh'), '--wipe'], { env, timeout: 120_000 });
  };
  try {
    await run('bash', [script('up.sh')], { env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const pids: Record<string, number> = {};
  for (const [name, file] of [
    ['Kafka', 'kafka/kafka.pid'],
    ['FerretDB', 'ferretdb/ferretdb.pid'],
    ['Redis', 'redis/redis.pid'],
  ] as const) {
    const pid = Number((await readFile(path.join(stateDir, file), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0) {
      pids[name] = pid;
      killOnExit(pid);
    }
  }
  return {
    stop: async () => {
      await stop();
      for (const pid of Object.values(pids)) forgetOnExit(pid);
    },
    kafkaBrokers: `127.0.0.1:${kafka}`,
    mongodbUri: `mongodb://127.0.0.1:${mongo}/tenantry`,
    redisUrl: `redis://127.0.0.1:${redis}`,
    pids,
  };
}
