import { spawn } from 'node:child_process';
import path from 'node:path';
import { type CloudEvent, type EventType, createEvent } from '@tenantry/contracts';
import { DEFAULT_RETRY_POLICY, KafkaEventBus, OutboxRelay, type Subscription } from '@tenantry/event-bus';
import { describeWithInfra, eventually, uniqueName } from '@tenantry/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { generateId } from '../core/sequence';
import {
  type ChildReport,
  type CrashPoint,
  PLAN_ENV,
  type PlannedWrite,
  type SigkillPlan,
  crashRecords,
} from '../test-support/sigkill-plan';
import { type MongoPersistence, connectMongo } from './connect';
import { markerCollectionName } from './mongo-collection-store';

const logger = pino({ level: 'silent' });
const repoRoot = path.resolve(__dirname, '../../../../..');
const fixture = path.join(__dirname, '../test-support/sigkill-writer.fixture.ts');
const SOURCE = '/tenantry/tests/sigkill';

interface ChildOutcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  reports: ChildReport[];
  stderr: string;
}

/** Runs the writer fixture with this plan until it exits (it is killed here only if it hangs). */
async function runWriter(plan: SigkillPlan): Promise<ChildOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repoRoot,
    env: { ...process.env, [PLAN_ENV]: JSON.stringify(plan) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('close', (code, signal) => (exit = { code, signal }));
  try {
    const { code, signal } = await eventually(() => exit ?? false, {
      timeoutMs: 60_000,
      description: `the writer to exit (stdout: ${stdout}, stderr: ${stderr})`,
    });
    const reports = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ChildReport);
    return { code, signal, reports, stderr };
  } finally {
    if (exit === undefined) child.kill('SIGKILL');
  }
}

type RecordState = { status: 'trial' | 'active'; version: number } | null;

/** The records the writes leave, replayed from the plan: what the database must hold after them. */
function replay(writes: readonly PlannedWrite[]): Map<string, RecordState> {
  const state = new Map<string, RecordState>();
  for (const write of writes) {
    const current = state.get(write.id);
    if (write.op === 'insert') state.set(write.id, { status: 'trial', version: 1 });
    else if (write.op === 'update' && current) state.set(write.id, { status: write.status, version: current.version + 1 });
    else state.set(write.id, null);
  }
  return state;
}

/**
 * MISSION §8 and issue 11, item 6: crashes are real crashes. A child process writes tenant-scoped
 * records with events through the real repository against the real database and is SIGKILLed at a
 * chosen point: after the outbox marker of a write is stored but before its state write, after the
 * state write but before anything relays it, or in its own relay after Kafka acknowledged a batch but
 * before the outbox recorded it. No close(), no finally, no flush. A fresh connection and relay in
 * this process then take over, and two consumer groups read the topics.
 *
 * "Exactly once" here means what it can mean over Kafka's at-least-once publish: every event of a
 * committed state change is in Kafka at least once (after a mid-relay kill, the unrecorded batch is in
 * it twice: the new relay publishes it again), and a consumer that deduplicates by event id (a
 * ProcessedEventStore, as every service's consumers do) handles each one exactly once. An event of a
 * write that did not commit is never published at all. Which writes committed is read back from the
 * database, not assumed: the writes the child saw succeed, plus the crashed one if its state is there.
 */
describeWithInfra('outbox: a writer SIGKILLed mid-write or mid-relay', ['mongo', 'kafka'], (infra) => {
  jest.setTimeout(120_000);
  const topicPrefix = `${uniqueName('sigkill')}.`;
  /** Per event id seen on the topics: its tenant, its copies in Kafka, and how often the deduplicating consumer ran. */
  const seen = new Map<string, { tenantId: string; copies: number; handled: number }>();
  const collections: string[] = [];
  const subscriptions: Subscription[] = [];
  let raw: mongoose.Connection;
  let observer: MongoPersistence;
  let bus: KafkaEventBus;

  const entry = (event: CloudEvent) => {
    const known = seen.get(event.id) ?? { tenantId: event.subject, copies: 0, handled: 0 };
    seen.set(event.id, known);
    return known;
  };
  const documents = (name: string) => db().collection<{ _id: string; _deletedAt?: Date }>(name);
  const db = (): mongoose.mongo.Db => {
    if (!raw.db) throw new Error('not connected');
    return raw.db;
  };

  beforeAll(async () => {
    raw = await mongoose.createConnection(infra.mongodbUri, { serverSelectionTimeoutMS: 2000 }).asPromise();
    observer = await connectMongo({ uri: infra.mongodbUri, logger });
    bus = new KafkaEventBus({
      brokers: infra.kafkaBrokers,
      clientId: 'persistence-sigkill-test',
      logger,
      topicPrefix,
      consumer: { heartbeatIntervalMs: 500, maxWaitTimeMs: 200 },
    });
    const eventTypes: EventType[] = ['tenant.created', 'tenant.updated'];
    await bus.ensureTopics(eventTypes);
    const common = { eventTypes, fromBeginning: true, retry: DEFAULT_RETRY_POLICY };
    // Every copy Kafka delivers (at-least-once).
    subscriptions.push(
      await bus.subscribe({
        ...common,
        groupId: uniqueName('sigkill-copies'),
        handler: async (event) => {
          entry(event).copies += 1;
        },
      }),
    );
    // A consumer as services write them: deduplicated by event id in the shared processed-event store.
    subscriptions.push(
      await bus.subscribe({
        ...common,
        groupId: uniqueName('sigkill-consumer'),
        processedEvents: await observer.processedEventStore(),
        handler: async (event) => {
          entry(event).handled += 1;
        },
      }),
    );
  });

  afterAll(async () => {
    for (const subscription of subscriptions) await subscription.stop();
    await bus?.close();
    for (const name of collections)
      await db()
        .dropCollection(name)
        .catch(() => undefined);
    await observer?.close();
    await raw?.close();
  });

  /** Four inserts, an update of the first record and a delete of the second (a tombstone: it queues an event). */
  function planFor(crash: CrashPoint): SigkillPlan & { tenantId: string } {
    const tenantId = uniqueName('ten');
    const collection = uniqueName('sigkill_records');
    collections.push(collection, markerCollectionName(collection));
    const ids = [0, 1, 2, 3].map(() => generateId('rec_'));
    const [first, second] = ids as [string, string];
    const created = (name: string) =>
      createEvent('tenant.created', {
        tenantId,
        source: SOURCE,
        data: {
          tenant_id: tenantId,
          name,
          subscription_tier: 'basic',
          status: 'trial',
          timezone: 'Europe/Ljubljana',
          created_at: new Date().toISOString(),
        },
      });
    const updated = (name: string) =>
      createEvent('tenant.updated', {
        tenantId,
        source: SOURCE,
        data: { tenant_id: tenantId, changes: { name }, updated_at: new Date().toISOString() },
      });
    const writes: PlannedWrite[] = [
      ...ids.map((id, n): PlannedWrite => ({ op: 'insert', id, name: `Record ${n}`, events: [created(`Record ${n}`)] })),
      { op: 'update', id: first, status: 'active', events: [updated('Record 0, active')] },
      { op: 'delete', id: second, events: [updated('Record 1, deleted')] },
    ];
    return { mongodbUri: infra.mongodbUri, kafkaBrokers: infra.kafkaBrokers, topicPrefix, collection, tenantId, writes, crash };
  }

  /**
   * Runs the plan in a child until the kill, then recovers in this process: reads the records back,
   * relays with a fresh connection and source, and waits until a sentinel event of the same tenant (same
   * partition, published after everything else) reached the consumer.
   */
  async function crashAndRecover(crash: CrashPoint) {
    const plan = planFor(crash);
    const child = await runWriter(plan);
    // Killed by the signal, not exited: code null. (stderr may hold kafkajs's TimeoutNegativeWarning.)
    if (child.signal !== 'SIGKILL') throw new Error(`the writer exited (code ${child.code}, signal ${child.signal}): ${child.stderr}`);
    expect(child.code).toBeNull();
    const killing = child.reports.at(-1);
    expect(killing).toMatchObject({ kind: 'killing', at: crash.at });
    const acknowledged = child.reports.flatMap((line) => (line.kind === 'committed' ? [line.write] : []));
    expect(acknowledged).toEqual(plan.writes.map((_, n) => n).slice(0, crash.at === 'mid-relay' ? plan.writes.length : crash.write));

    // The fresh process.
    const restarted = await connectMongo({ uri: infra.mongodbUri, logger });
    const records = await restarted.repository(crashRecords(plan.collection));
    const markers = db().collection<{ _id: string; doc?: string }>(markerCollectionName(plan.collection));
    const relay = new OutboxRelay({ source: restarted.createOutboxSource(), bus, logger, pollIntervalMs: 100 });
    try {
      // Which writes committed: the acknowledged ones, and the crashed one if the database holds its result.
      const actual = new Map<string, RecordState>();
      for (const write of plan.writes) {
        const found = await records.findById(plan.tenantId, write.id);
        actual.set(write.id, found ? { status: found.status, version: found.version } : null);
      }
      const crashedCommitted = crash.at !== 'mid-relay' && equalStates(actual, replay(plan.writes.slice(0, crash.write + 1)), plan.writes);
      const committedWrites = plan.writes.slice(0, acknowledged.length + (crashedCommitted ? 1 : 0));
      expect(actual).toEqual(restrictTo(replay(committedWrites), plan.writes));
      const expected = committedWrites.flatMap((write) => write.events.map((event) => event.id));
      const uncommitted = plan.writes.slice(committedWrites.length).flatMap((write) => write.events.map((event) => event.id));
      const markersBefore = (await markers.find({ doc: { $exists: true } }).toArray()).map((marker) => marker.doc);

      relay.start();
      await eventually(() => expected.every((id) => (seen.get(id)?.handled ?? 0) > 0), {
        timeoutMs: 60_000,
        description: 'every committed event to reach the consumer',
      });
      const sentinel = createEvent('tenant.updated', {
        tenantId: plan.tenantId,
        source: SOURCE,
        data: { tenant_id: plan.tenantId, changes: { name: 'Sentinel' }, updated_at: new Date().toISOString() },
      });
      await records.insert(plan.tenantId, { name: 'Sentinel', status: 'trial' }, { events: [sentinel] });
      relay.notify();
      await eventually(() => (seen.get(sentinel.id)?.handled ?? 0) > 0, { timeoutMs: 30_000, description: 'the sentinel event' });
      await relay.stop();

      const ofTenant = [...seen].filter(([, event]) => event.tenantId === plan.tenantId);
      // Every committed event is in Kafka at least once, and nothing else is.
      expect(ofTenant.map(([id]) => id).sort()).toEqual([...expected, sentinel.id].sort());
      for (const id of uncommitted) expect(seen.has(id)).toBe(false);
      // The deduplicating consumer handled each exactly once.
      expect(Object.fromEntries(ofTenant.map(([id, event]) => [id, event.handled]))).toEqual(
        Object.fromEntries([...expected, sentinel.id].map((id) => [id, 1])),
      );
      // Nothing left to publish.
      expect(await restarted.createOutboxSource().claimPending(100, 1_000)).toEqual([]);
      return { plan, child, crashedCommitted, markersBefore, markers, relayed: relay.stats().published, sentinel };
    } finally {
      await relay.stop();
      await restarted.close();
    }
  }

  it('when the writer dies after the marker of an insert and before its state write, then the insert never happened and its event is never published; every earlier event is delivered once', async () => {
    const { plan, crashedCommitted, markersBefore, markers } = await crashAndRecover({ at: 'marker-written', write: 3 });
    const crashed = plan.writes[3] as PlannedWrite;
    expect(crashedCommitted).toBe(false);
    // Its marker is all that is left of it: the relay finds nothing pending for it and removes it once stale.
    expect(markersBefore.sort()).toEqual(
      plan.writes
        .slice(0, 4)
        .map((write) => write.id)
        .sort(),
    );
    expect((await markers.find({ doc: { $exists: true } }).toArray()).map((marker) => marker.doc)).toEqual([crashed.id]);
    const recovering = await connectMongo({ uri: infra.mongodbUri, logger });
    try {
      await recovering.repository(crashRecords(plan.collection));
      await expect(recovering.createOutboxSource({ staleMarkerMs: 0 }).claimPending(10, 1_000)).resolves.toEqual([]);
    } finally {
      await recovering.close();
    }
    expect(await markers.countDocuments({ doc: { $exists: true } })).toBe(0);
  });

  it('when the writer dies after the state write of an insert and before any relay ran, then its event is delivered once', async () => {
    const { crashedCommitted, markersBefore, plan } = await crashAndRecover({ at: 'state-written', write: 3 });
    expect(crashedCommitted).toBe(true);
    expect(markersBefore).toHaveLength(plan.writes.length - 2); // one per committed write (4 inserts)
  });

  it('when the writer dies after the marker of an update, then the record keeps its previous version and the update event is never published', async () => {
    const { crashedCommitted } = await crashAndRecover({ at: 'marker-written', write: 4 });
    expect(crashedCommitted).toBe(false);
  });

  it('when the writer dies after the marker of a delete with events, then the record stays live and no tombstone or event appears', async () => {
    const { crashedCommitted, plan } = await crashAndRecover({ at: 'marker-written', write: 5 });
    expect(crashedCommitted).toBe(false);
    const deleted = plan.writes[5] as PlannedWrite;
    expect(await documents(plan.collection).findOne({ _id: deleted.id })).toMatchObject({ _id: deleted.id, status: 'trial' });
    expect(await documents(plan.collection).countDocuments({ _deletedAt: { $exists: true } })).toBe(0);
  });

  it('when the writer dies right after a delete became a tombstone, then its event is delivered once and the tombstone is removed', async () => {
    const { crashedCommitted, plan } = await crashAndRecover({ at: 'state-written', write: 5 });
    expect(crashedCommitted).toBe(true);
    expect(await documents(plan.collection).findOne({ _id: (plan.writes[5] as PlannedWrite).id })).toBeNull();
  });

  it('when the writer dies in its relay after Kafka acknowledged a batch and before it was marked, then that batch is published again and consumed once', async () => {
    const { child, relayed, plan } = await crashAndRecover({ at: 'mid-relay', markCall: 2, batchSize: 2, leaseMs: 3_000 });
    const markedByChild = child.reports.flatMap((line) => (line.kind === 'marked' ? line.eventIds : []));
    const killing = child.reports.at(-1);
    const unmarked = killing?.kind === 'killing' ? (killing.unmarkedEventIds ?? []) : [];
    expect(markedByChild).toHaveLength(2);
    expect(unmarked).toHaveLength(2);
    // Published by the dead relay and again by the new one: two copies in Kafka, handled once.
    for (const id of unmarked) expect(seen.get(id)?.copies).toBeGreaterThanOrEqual(2);
    // The new relay published everything the old one had not recorded (and the sentinel), nothing it had.
    const events = plan.writes.flatMap((write) => write.events).length;
    expect(relayed).toBe(events - markedByChild.length + 1);
  });
});

/** Whether the records named in the plan are in exactly the replayed state. */
function equalStates(actual: Map<string, RecordState>, replayed: Map<string, RecordState>, writes: readonly PlannedWrite[]): boolean {
  const expected = restrictTo(replayed, writes);
  return [...actual].every(([id, state]) => JSON.stringify(state) === JSON.stringify(expected.get(id)));
}

/** The replayed state of every record the plan names (null for one not inserted yet). */
function restrictTo(replayed: Map<string, RecordState>, writes: readonly PlannedWrite[]): Map<string, RecordState> {
  return new Map(writes.map((write) => [write.id, replayed.get(write.id) ?? null]));
}
