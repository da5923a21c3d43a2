import { KafkaEventBus, OutboxRelay } from '@tenantry/event-bus';
import { connectMongo, defineCollection, type MongoPersistence, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { BENCH_CONSUMER, ConsumptionTracker, deliveryCheck, PhaseRouter } from '../lib/consumption';
import type { BenchContext } from '../lib/context';
import { benchTenants, tenantUpdated } from '../lib/events';
import { TimedOutboxSource, TimedPublishBus } from '../lib/instrumented';
import { LatencyHistogram, now, rate, runBounded, sleep, waitUntil, type LoopBound } from '../lib/measure';
import { formatMs, formatNumber, type ScenarioResult } from '../lib/report';
import { scaled, type Scenario } from '../lib/scenario';

const TENANTS = 50;
/** Concurrent writers (requests in flight against the database), the same for the baseline. */
const WRITERS = 8;
const WRITE_MS = 5_000;
const DRAIN_TIMEOUT_MS = 30_000;
const PACED_MS = 4_000;
const PACED_SHARE = 0.5;
/** Documents without events added to the outbox collection before the second saturated run. */
const FILLER_DOCUMENTS = 2_000;
const RETRY = { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 500 };

/** A tenant-like document: what a service writes together with its event. */
const accountSchema = z.object({
  name: z.string().min(1).max(200),
  plan: z.enum(['basic', 'pro', 'enterprise']),
  seats: z.number().int().nonnegative(),
  region: z.string().min(1).max(32),
});
type AccountInput = z.input<typeof accountSchema>;
type Accounts = TenantScopedRepository<z.output<typeof accountSchema>, AccountInput>;

function accountsCollection(name: string) {
  return defineCollection({ name, schema: accountSchema, indexes: [{ fields: { tenantId: 1, name: 1 } }], idPrefix: 'acc_' });
}

const PLANS = ['basic', 'pro', 'enterprise'] as const;
const account = (i: number): AccountInput => ({ name: `Account ${i}`, plan: PLANS[i % 3] ?? 'basic', seats: i % 50, region: 'eu-central' });

interface WriteRun {
  count: number;
  startedAt: number;
  elapsedMs: number;
  latency: LatencyHistogram;
}

interface Pipeline {
  accounts: Accounts;
  source: TimedOutboxSource;
  relayBus: TimedPublishBus;
  relay: OutboxRelay;
  router: PhaseRouter;
  tenants: readonly string[];
}

export const outboxEndToEnd: Scenario = {
  id: 'S3',
  title: 'Outbox end to end: repository write + event → OutboxRelay → Kafka → consumer',
  async run(ctx: BenchContext, result: ScenarioResult): Promise<void> {
    const tenants = benchTenants(ctx.runId, TENANTS);
    let plainPersistence: MongoPersistence | undefined;
    let outboxPersistence: MongoPersistence | undefined;
    let bus: KafkaEventBus | undefined;
    let relay: OutboxRelay | undefined;
    try {
      // Baseline: the same writes without events into a collection of the same shape (own connection,
      // so the relay below never reads it).
      plainPersistence = await connectMongo({ uri: ctx.mongodbUri, logger: ctx.logger, appName: 'tenantry-bench-plain' });
      const plain = await plainPersistence.repository(accountsCollection(ctx.collection('accounts_plain')));
      await writeMany(plain, tenants, { count: 200, ms: 5_000 }); // warm-up
      const plainRun = await writeMany(plain, tenants, { count: scaled(3_000), ms: WRITE_MS });
      const plainRate = rate(plainRun.count, plainRun.elapsedMs);
      result.measurements.push({
        label: `baseline: repository.insert without events, ${WRITERS} writers`,
        events: plainRun.count,
        elapsedMs: plainRun.elapsedMs,
        eventsPerSec: plainRate,
        latency: { ...plainRun.latency.summary(), of: 'insert call' },
        note: 'writes/s',
      });
      await plainPersistence.close();
      plainPersistence = undefined;

      // The outbox: insert with one event, notify the relay; a group consumes from Kafka.
      outboxPersistence = await connectMongo({ uri: ctx.mongodbUri, logger: ctx.logger, appName: 'tenantry-bench-outbox' });
      const accounts = await outboxPersistence.repository(accountsCollection(ctx.collection('accounts_outbox')));
      bus = new KafkaEventBus({
        brokers: [...ctx.kafkaBrokers],
        clientId: 'tenantry-bench',
        logger: ctx.logger,
        topicPrefix: ctx.topicPrefix('s3'),
        consumer: BENCH_CONSUMER,
      });
      await bus.ensureTopics(['tenant.updated']);
      const source = new TimedOutboxSource(outboxPersistence.createOutboxSource());
      const relayBus = new TimedPublishBus(bus);
      relay = new OutboxRelay({ source, bus: relayBus, logger: ctx.logger });
      const pipeline: Pipeline = { accounts, source, relayBus, relay, router: new PhaseRouter(), tenants };
      await bus.subscribe({
        groupId: ctx.groupId('s3'),
        eventTypes: ['tenant.updated'],
        retry: RETRY,
        handler: (event) => {
          pipeline.router.onHandled(event.id);
          return Promise.resolve();
        },
      });
      relay.start();

      const warmUp = pipeline.router.track(new ConsumptionTracker());
      await writeManyWith((i) => writeWithEvent(pipeline, warmUp, i), { count: 50, ms: 5_000 });
      await waitUntil(() => warmUp.handled >= warmUp.expected, DRAIN_TIMEOUT_MS);

      // 1. Writers as fast as they go, the relay and the consumer alongside; then until all is consumed.
      const small = await saturatedRun(pipeline, result, scaled(300), 'a new collection');
      result.ratios.push(
        {
          label: 'write + relay + consume / plain writes',
          subject: 'end to end',
          subjectValue: small.endToEndRate,
          baseline: 'plain inserts',
          baselineValue: plainRate,
          unit: 'events/s',
        },
        {
          label: 'outbox writes (relay running) / plain writes',
          subject: 'outbox inserts',
          subjectValue: small.writeRate,
          baseline: 'plain inserts',
          baselineValue: plainRate,
          unit: 'writes/s',
        },
      );

      // 2. Paced at half the end-to-end rate: the latency a user of the platform sees.
      if (small.drained) {
        const pacedRate = Math.max(5, Math.round(small.endToEndRate * PACED_SHARE));
        const paced = pipeline.router.track(new ConsumptionTracker());
        const pacing = await paceWrites((i) => writeWithEvent(pipeline, paced, i), pacedRate, PACED_MS);
        const pacedDrained = await waitUntil(() => paced.handled >= paced.expected, DRAIN_TIMEOUT_MS, 10);
        result.measurements.push({
          label: `paced at ${formatNumber(pacedRate)} writes/s (${PACED_SHARE * 100}% of end to end)`,
          events: paced.handled,
          elapsedMs: pacing.elapsedMs,
          eventsPerSec: rate(paced.handled, pacing.elapsedMs),
          latency: { ...paced.latency.summary(), of: 'commit → consumed' },
        });
        result.checks.push(deliveryCheck('paced: committed', paced, pacing.count, pacedDrained));
      } else {
        result.notes.push('paced phase skipped: the saturated run did not drain');
      }

      // 3. The same saturated run after the collection grew by documents that owe no events: does the
      //    relay's cost depend on the events pending, or on the size of the collection?
      if (small.drained) {
        const filler = await writeManyWith(
          async (i) => {
            await accounts.insert(tenants[i % TENANTS] ?? 'none', account(2_000_000 + i));
          },
          { count: FILLER_DOCUMENTS, ms: 10_000 },
        );
        const grown = await saturatedRun(pipeline, result, scaled(150), `+${formatNumber(filler.count)} documents without events`);
        result.ratios.push({
          label: 'end to end, grown collection / new collection',
          subject: `+${formatNumber(filler.count)} documents`,
          subjectValue: grown.endToEndRate,
          baseline: 'new collection',
          baselineValue: small.endToEndRate,
          unit: 'events/s',
        });
      }

      const stats = relay.stats();
      result.facts.push({
        label: 'relay',
        value: `${formatNumber(source.claims.length)} rounds with events, ${formatNumber(source.claimedEvents / Math.max(1, source.claims.length), 1)} events per round (batchSize 100); published ${formatNumber(stats.published)}, ${stats.failedAttempts} failed rounds`,
      });
    } finally {
      await relay?.stop().catch(() => undefined);
      await bus?.close().catch(() => undefined);
      await outboxPersistence?.close().catch(() => undefined);
      await plainPersistence?.close().catch(() => undefined);
    }
  },
};

async function writeWithEvent(pipeline: Pipeline, tracker: ConsumptionTracker, i: number): Promise<void> {
  const tenantId = pipeline.tenants[i % TENANTS] ?? 'none';
  const event = tenantUpdated(tenantId, `Account ${i}`);
  tracker.expect(event.id); // known to the router before the relay can possibly see it
  await pipeline.accounts.insert(tenantId, account(i), { events: [event] });
  tracker.expect(event.id, now()); // committed: the clock of commit → consumed starts now
  pipeline.relay.notify();
}

/** `count` writes with one event each by `WRITERS` writers, then until all are consumed; measured and reported. */
async function saturatedRun(
  pipeline: Pipeline,
  result: ScenarioResult,
  count: number,
  collection: string,
): Promise<{ endToEndRate: number; writeRate: number; drained: boolean }> {
  const { source, relayBus, router } = pipeline;
  const tracker = router.track(new ConsumptionTracker());
  const claimsBefore = source.claims.length;
  const publishesBefore = relayBus.publishLatency.count;
  const writes = await writeManyWith((i) => writeWithEvent(pipeline, tracker, i), { count, ms: WRITE_MS });
  const drained = await waitUntil(() => tracker.handled >= tracker.expected, DRAIN_TIMEOUT_MS, 10);
  const endToEndMs = tracker.lastHandledAt - writes.startedAt;
  const endToEndRate = rate(tracker.handled, endToEndMs);
  const writeRate = rate(writes.count, writes.elapsedMs);
  result.measurements.push(
    {
      label: `insert with one event, ${WRITERS} writers, relay running (${collection})`,
      events: writes.count,
      elapsedMs: writes.elapsedMs,
      eventsPerSec: writeRate,
      latency: { ...writes.latency.summary(), of: 'insert call' },
      note: 'writes/s',
    },
    {
      label: `the same, write → relay → Kafka → consumed (${collection})`,
      events: tracker.handled,
      elapsedMs: endToEndMs,
      eventsPerSec: endToEndRate,
      latency: { ...tracker.latency.summary(), of: 'commit → consumed (backlog)' },
      note: drained
        ? `all consumed ${formatMs(tracker.lastHandledAt - (writes.startedAt + writes.elapsedMs))} after the last write`
        : `NOT all consumed within ${DRAIN_TIMEOUT_MS / 1000} s`,
    },
  );
  result.checks.push(deliveryCheck(`saturated (${collection}): committed`, tracker, writes.count, drained));
  const claims = source.claims.slice(claimsBefore);
  const claimMs = claims.reduce((sum, claim) => sum + claim.ms, 0);
  const claimed = claims.reduce((sum, claim) => sum + claim.events, 0);
  result.facts.push({
    label: `relay rounds (${collection})`,
    value:
      `${claims.length} rounds; claimPending ${formatMs(claimMs / Math.max(1, claimed))} per claimed event ` +
      `(${formatMs(claimMs / Math.max(1, claims.length))} per round of ${formatNumber(claimed / Math.max(1, claims.length), 1)}); ` +
      `bus.publish p50 ${formatMs(relayBus.publishLatency.percentileMs(50))} per round (${relayBus.publishLatency.count - publishesBefore} calls); ` +
      `markPublished p50 ${formatMs(source.markPublishedLatency.percentileMs(50))} per round`,
  });
  return { endToEndRate, writeRate, drained };
}

async function writeMany(repository: Accounts, tenants: readonly string[], bound: LoopBound): Promise<WriteRun> {
  return writeManyWith(async (i) => {
    await repository.insert(tenants[i % TENANTS] ?? 'none', account(i));
  }, bound);
}

/** `WRITERS` concurrent writers until the bound; latency of each write. */
async function writeManyWith(write: (i: number) => Promise<void>, bound: LoopBound): Promise<WriteRun> {
  const latency = new LatencyHistogram();
  const startedAt = now();
  const { count, elapsedMs } = await runBounded(bound, WRITERS, async (i) => {
    const started = now();
    await write(i);
    latency.recordMs(now() - started);
  });
  return { count, startedAt, elapsedMs, latency };
}

/** One write every 1/perSecond s (each in the background) for `durationMs`; waits for all of them. */
async function paceWrites(
  write: (i: number) => Promise<void>,
  perSecond: number,
  durationMs: number,
): Promise<{ count: number; elapsedMs: number }> {
  const startedAt = now();
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  for (let elapsed = 0; elapsed < durationMs; elapsed = now() - startedAt) {
    const due = Math.floor((perSecond * elapsed) / 1000) - sent;
    for (let i = 0; i < due; i += 1) inFlight.push(write(1_000_000 + sent + i));
    sent += Math.max(0, due);
    await sleep(5);
  }
  await Promise.all(inFlight);
  return { count: sent, elapsedMs: now() - startedAt };
}
