import type { OutboxSource, ProcessedEventStore } from '@tenantry/event-bus';
import type { z } from 'zod';
import type { CollectionDefinition } from './collection';
import type { LeasedOutboxSourceOptions } from './core/leased-outbox-source';
import type { TenantScopedRepository } from './repository';

/** Where every service's consumers record the events they processed. */
export const PROCESSED_EVENTS_COLLECTION = 'processed_events';

/**
 * A database: MongoDB (`connectMongo`) or the in-memory twin (`createInMemoryPersistence`). Both pass
 * the same contract suite (src/test-support/repository.contract.ts).
 */
export interface Persistence {
  readonly kind: 'mongodb' | 'in-memory';
  /** Registers the collection (creating its indexes) and returns its repository. */
  repository<S extends z.ZodObject>(definition: CollectionDefinition<S>): Promise<TenantScopedRepository<z.output<S>, z.input<S>>>;
  /** A new outbox source over every collection registered so far and later; one per relay. */
  createOutboxSource(options?: LeasedOutboxSourceOptions): OutboxSource;
  /** The processed event ids of every consumer group (one store per collection; every service shares the default one). */
  processedEventStore(collection?: string): Promise<ProcessedEventStore>;
  /** Resolves when the database answers; ServiceUnavailableError otherwise (for readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
