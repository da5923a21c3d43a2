export {
  defineCollection,
  InvalidCollectionDefinitionError,
  SYSTEM_FIELDS,
  type CollectionDefinition,
  type DocumentOf,
  type IndexDefinition,
  type InputOf,
  type Stored,
  type SystemField,
  type SystemFields,
} from './collection';
export type {
  AdminReads,
  DeleteOptions,
  FieldOperators,
  Filter,
  FilterValue,
  InsertOptions,
  ListOptions,
  Page,
  SortOrder,
  TenantScopedRepository,
  UpdateOptions,
  WriteOptions,
} from './repository';
export { PROCESSED_EVENTS_COLLECTION, type Persistence } from './persistence';
export { generateId } from './core/sequence';
export { InvalidOutboxEventError } from './core/outbox-events';
export type { LeasedOutboxSourceOptions } from './core/leased-outbox-source';
export { connectMongo, MongoOutboxSource, MongoPersistence, redactMongoUri, type MongoOptions } from './mongo/connect';
export { MongoProcessedEventStore } from './mongo/mongo-processed-event-store';
export { createInMemoryPersistence, InMemoryOutboxSource, InMemoryPersistence } from './in-memory/in-memory-persistence';
export { openPersistence } from './open-persistence';
