// Runs once before `npm test`. Integration suites read KAFKA_BROKERS, MONGODB_URI and REDIS_URL.
// 1. If they are set (by you, infra/local/up.sh or .ci/run), they are used as they are.
// 2. Otherwise, if a Docker engine answers, testcontainers starts Kafka, MongoDB and Redis for this run.
// 3. Otherwise the integration suites skip with a loud notice (and fail under CI=true): see infra.ts.
const NEEDS = ['KAFKA_BROKERS', 'MONGODB_URI', 'REDIS_URL'];

module.exports = async function globalSetup() {
  if (NEEDS.every((name) => process.env[name])) return;
  let testcontainers;
  try {
    testcontainers = require('testcontainers');
    await testcontainers.getContainerRuntimeClient();
  } catch {
    return; // no Docker engine: the suites themselves report what is missing
  }
  const { GenericContainer, Wait } = testcontainers;
  const started = [];
  if (!process.env.REDIS_URL) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    started.push(redis);
    process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  if (!process.env.MONGODB_URI) {
    const mongo = await new GenericContainer('mongo:8').withExposedPorts(27017).withWaitStrategy(Wait.forLogMessage(/Waiting for connections/)).start();
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
