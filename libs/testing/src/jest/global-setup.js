// Runs once before `npm test`. Integration suites read KAFKA_BROKERS, MONGODB_URI and REDIS_URL.
// 1. If they are set (by you, infra/local/up.sh or .ci/run), they are used as they are.
// 2. Otherwise, if a Docker engine answers, testcontainers starts Kafka, MongoDB and Redis for this run.
// 3. Otherwise infra/local/up.sh starts them as local processes, as .ci/run does (seconds when they are
//    installed, about a minute the first time); they keep running after the run (bash infra/local/down.sh).
// 4. If that fails too, the integration suites skip with a loud notice (and fail under CI=true): infra.ts.
// `npm run test:unit` (TENANTRY_TEST_INFRA=none) and runs of named unit spec files start nothing.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');

const NEEDS = ['KAFKA_BROKERS', 'MONGODB_URI', 'REDIS_URL'];
const UP_SCRIPT = path.resolve(__dirname, '../../../../infra/local/up.sh');
const INTEGRATION_SPEC = /\.(int|e2e)\.spec\.ts$/;

module.exports = async function globalSetup(globalConfig) {
  // Names this run's suite databases (libs/testing/src/infra.ts); the global teardown drops them.
  process.env.TENANTRY_TEST_RUN ??= randomBytes(4).toString('hex');
  if (NEEDS.every((name) => process.env[name])) return;
  if (process.env.TENANTRY_TEST_INFRA === 'none' || onlyUnitSpecsNamed(globalConfig)) return;
  let testcontainers;
  try {
    testcontainers = require('testcontainers');
    await testcontainers.getContainerRuntimeClient();
  } catch {
    await startLocalInfra();
    return;
  }
  const { GenericContainer, Wait } = testcontainers;
  const started = [];
  if (!process.env.REDIS_URL) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    started.push(redis);
    process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  if (!process.env.MONGODB_URI) {
    const mongo = await new GenericContainer('mongo:8')
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
      .start();
    started.push(mongo);
    process.env.MONGODB_URI = `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/tenantry`;
  }
  if (!process.env.KAFKA_BROKERS) {
    // A fixed host port keeps the advertised listener simple; it must be free on the Docker host.
    const port = Number(process.env.TESTCONTAINERS_KAFKA_PORT ?? 19092);
    const kafka = await new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 9092, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    process.env.KAFKA_BROKERS = `localhost:${port}`;
  }
  globalThis.__TENANTRY_CONTAINERS__ = started;
  process.stderr.write(`testcontainers started ${started.length} container(s) for this run\n`);
};

/** `npx jest some.spec.ts`: every named path is a unit spec file, so no suite of this run needs infrastructure. */
function onlyUnitSpecsNamed(globalConfig) {
  const patterns = globalConfig?.testPathPatterns?.patterns ?? [];
  return patterns.length > 0 && patterns.every((pattern) => /\.spec\.ts$/.test(pattern) && !INTEGRATION_SPEC.test(pattern));
}

/** infra/local/up.sh: its progress goes to the terminal, its `export NAME=value` lines into this run's environment. */
async function startLocalInfra() {
  const missing = NEEDS.filter((name) => !process.env[name]);
  process.stderr.write(
    `\nnpm test: ${missing.join(', ')} not set and no Docker engine: starting Kafka, FerretDB and Redis with infra/local/up.sh ` +
      '(seconds when installed, about a minute the first time)...\n',
  );
  const started = Date.now();
  const exports = await new Promise((resolve) => {
    const child = spawn('bash', [UP_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? stdout : undefined));
  });
  if (exports === undefined) {
    process.stderr.write('npm test: infra/local/up.sh failed (see above): the integration suites will say what is missing.\n\n');
    return;
  }
  for (const line of exports.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1]] = unquote(match[2]);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stderr.write(
    `npm test: infra/local is up in ${seconds} s (${NEEDS.map((name) => `${name}=${process.env[name]}`).join(' ')}); ` +
      'every suite runs against it. It keeps running afterwards: bash infra/local/down.sh stops it.\n\n',
  );
}

/** The value as the shell would read it (up.sh quotes with single quotes when needed). */
function unquote(value) {
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/'\\''/g, "'");
  if (value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  return value;
}

module.exports.onlyUnitSpecsNamed = onlyUnitSpecsNamed;
module.exports.unquote = unquote;
