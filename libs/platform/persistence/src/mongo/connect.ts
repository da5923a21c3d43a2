import type { OutboxSource } from '@tenantry/event-bus';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CollectionDefinition } from '../collection';
import { LeasedOutboxSource, type LeasedOutboxSourceOptions } from '../core/leased-outbox-source';
import { ScopedRepository, type ScopedRepositoryHooks } from '../core/scoped-repository';
import { PROCESSED_EVENTS_COLLECTION, type Persistence } from '../persistence';
import type { TenantScopedRepository } from '../repository';
import { mongoCall, toTenantryError } from './errors';
import { MongoCollectionStore } from './mongo-collection-store';
import { MongoProcessedEventStore } from './mongo-processed-event-store';
import { DocumentLocks, type WriteGuard, serverAtomicWrites } from './write-guard';

/** Connections being closed on purpose (their 'disconnected' event is expected). */
const closing = new WeakSet<object>();

export interface MongoOptions {
  uri: string;
  logger: Logger;
  /** How long an operation waits for a reachable server before failing with 503 (default 2000 ms). */
  serverSelectionTimeoutMs?: number;
  maxPoolSize?: number;
  appName?: string;
  /**
   * How conditional writes stay atomic: 'auto' (default) uses the server on MongoDB (and on FerretDB as
   * infra/local builds it) and per-document locks on any other FerretDB, whose updates are not isolated
   * (see write-guard.ts).
   */
  writeGuard?: 'auto' | 'server-atomic' | 'lock-per-document';
  /** Test-only: reports each step of a write with events (see OutboxWriteStep); crash tests stop the process there. */
  onOutboxWriteStep?: ScopedRepositoryHooks['onWriteStep'];
}

const LOCKS_COLLECTION = 'tenantry_document_locks';

/** What the persistence layer needs to know of the server (from `buildInfo`). */
interface ServerTraits {
  /** Single-document writes are isolated: MongoDB, and FerretDB as infra/local builds it (see write-guard.ts). */
  isolatedWrites: boolean;
  /** Only a plain `_id` filter uses an index (FerretDB 1.x): reads of many ids are point reads, never `$in`. */
  pointReadsOnly: boolean;
}

async function serverTraits(db: mongoose.mongo.Db): Promise<ServerTraits> {
  const buildInfo = await mongoCall('buildInfo', () => db.admin().command({ buildInfo: 1 }));
  const ferretdb = 'ferretdbVersion' in buildInfo;
  // infra/local's FerretDB build isolates writes and says so (infra/local/ferretdb/isolated-writes.sed).
  return { isolatedWrites: !ferretdb || buildInfo['tenantryIsolatedWrites'] === true, pointReadsOnly: ferretdb };
}

function chooseWriteGuard(db: mongoose.mongo.Db, traits: ServerTraits, choice: MongoOptions['writeGuard'] = 'auto'): WriteGuard {
  const kind = choice === 'auto' ? (traits.isolatedWrites ? 'server-atomic' : 'lock-per-document') : choice;
  return kind === 'server-atomic' ? serverAtomicWrites : new DocumentLocks(db.collection(LOCKS_COLLECTION));
}

/** The URI without credentials, for logs. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1***@');
}

/**
 * Connects to MongoDB or FerretDB. Commands are never buffered while disconnected: with the server
 * down, a call fails after `serverSelectionTimeoutMs` with ServiceUnavailableError, and the driver
 * reconnects by itself when the server is back (no restart, no manual reconnect). Throws
 * ServiceUnavailableError if the first connection cannot be made.
 */
export async function connectMongo(options: MongoOptions): Promise<MongoPersistence> {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMs ?? 2000;
  const connection = mongoose.createConnection(options.uri, {
    appName: options.appName ?? 'tenantry',
    serverSelectionTimeoutMS,
    connectTimeoutMS: serverSelectionTimeoutMS,
    socketTimeoutMS: 30_000,
    heartbeatFrequencyMS: 5_000,
    maxPoolSize: options.maxPoolSize ?? 20,
    minPoolSize: 0,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    ignoreUndefined: true,
    promoteBuffers: true,
  });
  const log = options.logger.child({ component: 'mongo', uri: redactMongoUri(options.uri) });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw toTenantryError(error, 'connection');
  }
  if (!connection.db) throw new Error('connected without a database handle');
  const db = connection.db;
  const traits = await serverTraits(db).catch(async (error: unknown) => {
    await connection.close().catch(() => undefined);
    throw error;
  });
  const guard = chooseWriteGuard(db, traits, options.writeGuard);
  connection.on('disconnected', () => {
    // A disconnect we asked for (shutdown) is not news.
    if (!closing.has(connection)) log.warn('database connection lost; calls fail with 503 until it is back');
  });
  connection.on('reconnected', () => log.info('database connection restored'));
  log.info({ writeGuard: guard.kind, pointReadsOnly: traits.pointReadsOnly }, 'connected to the database');
  return new MongoPersistence(
    connection,
    guard,
    traits.pointReadsOnly,
    log,
    options.onOutboxWriteStep ? { onWriteStep: options.onOutboxWriteStep } : {},
  );
}

export class MongoPersistence implements Persistence {
  readonly kind = 'mongodb' as const;
  /** Collections whose indexes exist: what the outbox sources scan. */
  private readonly stores = new Map<string, MongoCollectionStore>();
  private readonly registering = new Map<string, Promise<MongoCollectionStore>>();
  private readonly db: mongoose.mongo.Db;

  constructor(
    private readonly connection: mongoose.Connection,
    private readonly guard: WriteGuard,
    /** FerretDB: only a plain `_id` filter uses an index, so reads of many ids are point reads. */
    private readonly pointReadsOnly: boolean,
    private readonly logger: Logger,
    private readonly hooks: ScopedRepositoryHooks = {},
  ) {
    if (!connection.db) throw new Error('MongoPersistence needs an open connection');
    this.db = connection.db;
  }

  async repository<S extends z.ZodObject>(definition: CollectionDefinition<S>): Promise<TenantScopedRepository<z.output<S>, z.input<S>>> {
    let registered = this.registering.get(definition.name);
    if (!registered) {
      const store = new MongoCollectionStore(this.db, definition, this.guard, this.pointReadsOnly);
      registered = store.ensureIndexes().then(() => {
        this.stores.set(definition.name, store);
        return store;
      });
      registered.catch(() => this.registering.delete(definition.name)); // let a later call retry
      this.registering.set(definition.name, registered);
    }
    return new ScopedRepository(definition, await registered, this.hooks);
  }

  createOutboxSource(options?: LeasedOutboxSourceOptions): OutboxSource {
    return new MongoOutboxSource(() => [...this.stores.values()], this.logger, options);
  }

  async processedEventStore(collection = PROCESSED_EVENTS_COLLECTION): Promise<MongoProcessedEventStore> {
    const store = new MongoProcessedEventStore(this.db, collection, this.pointReadsOnly);
    await store.ensureIndexes();
    return store;
  }

  async ping(): Promise<void> {
    await mongoCall('ping', () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    closing.add(this.connection);
    await this.connection.close();
  }
}

/** The outbox over the MongoDB collections registered on one connection. */
export class MongoOutboxSource extends LeasedOutboxSource {}
