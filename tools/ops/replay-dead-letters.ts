/**
 * Replays to ONE consumer group the events it moved to a dead-letter topic, once its handler or data is
 * fixed; no other group sees them again (see libs/platform/event-bus/src/kafka/dead-letter-replay.ts).
 *
 *   npm run dlq:replay -- --type tenant.created --group billing-tenants [--dry-run] [--include-poison]
 *
 * Reads KAFKA_BROKERS and KAFKA_NAMESPACE like the services. Prints the report as JSON; exits 2 on bad
 * arguments or configuration, 1 when the replay fails.
 */
import { parseArgs } from 'node:util';
import { detectInfra } from '@tenantry/config';
import { isEventType } from '@tenantry/contracts';
import { KafkaEventBus } from '@tenantry/event-bus';
import { kafkaNamespaceOptions } from '@tenantry/runtime';
import { createLogger } from '@tenantry/telemetry';

const USAGE = 'usage: npm run dlq:replay -- --type <event type> --group <consumer group> [--dry-run] [--include-poison]';

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      type: { type: 'string' },
      group: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'include-poison': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const { type, group } = values;
  if (!type || !isEventType(type)) usageError(`--type must be an event type, e.g. tenant.created (got ${JSON.stringify(type ?? null)})`);
  if (!group || !/^[A-Za-z0-9._-]{1,200}$/.test(group))
    usageError(`--group must name the consumer group that failed the events (got ${JSON.stringify(group ?? null)})`);
  let infra: ReturnType<typeof detectInfra>;
  try {
    infra = detectInfra(process.env);
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  if (infra.eventBus.adapter !== 'kafka') usageError('KAFKA_BROKERS is not set: dead-letter topics exist only on Kafka');

  const logger = createLogger({ service: 'dlq-replay', level: 'warn', destination: process.stderr });
  const bus = new KafkaEventBus({
    brokers: infra.eventBus.brokers,
    clientId: 'tenantry-dlq-replay',
    logger,
    ...kafkaNamespaceOptions(infra.eventBus.namespace),
  });
  try {
    const report = await bus.replayDeadLetters(type, {
      groupId: group,
      dryRun: values['dry-run'],
      includePoison: values['include-poison'],
    });
    process.stdout.write(`${JSON.stringify({ ...report, dryRun: values['dry-run'] }, null, 2)}\n`);
  } finally {
    await bus.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
