/**
 * A writer process for `mongo/outbox-sigkill.int.spec.ts`, run as a child with `node --import tsx`.
 * It reads its plan (see sigkill-plan.ts) from the environment, does the writes through the real
 * repository API against the real database, and SIGKILLs itself at the planned point:
 * - `marker-written` / `state-written` of one write, through the test-only `onOutboxWriteStep` hook;
 * - `mid-relay`: all writes done, an OutboxRelay publishing to the real Kafka, killed when the relay
 *   calls markPublished for the planned time, i.e. after the bus acknowledged that batch and before the
 *   outbox records it.
 * No cleanup, no close(): SIGKILL cannot be caught. Progress goes to stdout, one JSON line per step.
 */
import { writeSync } from 'node:fs';
import { KafkaEventBus, type OutboxSource, OutboxRelay } from '@tenantry/event-bus';
import pino from 'pino';
import { connectMongo } from '../mongo/connect';
import { type ChildReport, PLAN_ENV, type SigkillPlan, crashRecords } from './sigkill-plan';

const plan = JSON.parse(process.env[PLAN_ENV] ?? '') as SigkillPlan;
const logger = pino({ level: 'silent' });

function report(line: ChildReport): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

function die(line: ChildReport): never {
  report(line);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not stop the process');
}

async function main(): Promise<void> {
  const { crash } = plan;
  let current = -1; // the write in progress
  const persistence = await connectMongo({
    uri: plan.mongodbUri,
    logger,
    onOutboxWriteStep: (step) => {
      if (crash.at === step && crash.write === current) die({ kind: 'killing', at: step, write: current });
    },
  });
  const records = await persistence.repository(crashRecords(plan.collection));
  for (const [index, write] of plan.writes.entries()) {
    current = index;
    const options = { events: write.events };
    if (write.op === 'insert') await records.insert(plan.tenantId, { name: write.name, status: 'trial' }, { ...options, id: write.id });
    else if (write.op === 'update') await records.update(plan.tenantId, write.id, { status: write.status }, options);
    else await records.delete(plan.tenantId, write.id, options);
    report({ kind: 'committed', write: index });
  }
  if (crash.at !== 'mid-relay') return; // the planned step never came: the parent sees a normal exit

  const bus = new KafkaEventBus({ brokers: plan.kafkaBrokers, clientId: 'sigkill-writer', logger, topicPrefix: plan.topicPrefix });
  const inner = persistence.createOutboxSource();
  let marks = 0;
  const source: OutboxSource = {
    claimPending: (limit, leaseMs) => inner.claimPending(limit, leaseMs),
    markFailed: (refs, error) => inner.markFailed(refs, error),
    markPublished: async (refs) => {
      marks += 1;
      const eventIds = refs.map((ref) => ref.eventId);
      if (marks === crash.markCall) die({ kind: 'killing', at: 'mid-relay', unmarkedEventIds: eventIds });
      await inner.markPublished(refs);
      report({ kind: 'marked', eventIds });
    },
  };
  new OutboxRelay({ source, bus, logger, batchSize: crash.batchSize, leaseMs: crash.leaseMs, pollIntervalMs: 50 }).start();
  // The relay runs until the kill; if it runs dry first, the parent's wait for the exit times out.
}

main().catch((error: unknown) => {
  writeSync(2, `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
