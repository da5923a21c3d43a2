import { InMemoryProcessedEventStore, type OutboxSource } from '@tenantry/event-bus';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CollectionDefinition } from '../collection';
import { LeasedOutboxSource, type LeasedOutboxSourceOptions } from '../core/leased-outbox-source';
import { ScopedRepository } from '../core/scoped-repository';
import { PROCESSED_EVENTS_COLLECTION, type Persistence } from '../persistence';
import type { TenantScopedRepository } from '../repository';
import { InMemoryCollectionStore } from './in-memory-collection-store';

/** The in-memory twin of a MongoDB database, for embedded mode and unit tests. Data lives as long as the object. */
export class InMemoryPersistence implements Persistence {
  readonly kind = 'in-memory' as const;
  private readonly stores = new Map<string, InMemoryCollectionStore>();
  /** One store per collection name, as MongoDB keeps one collection each. */
  private readonly processed = new Map<string, InMemoryProcessedEventStore>();

  constructor(private readonly logger?: Logger) {}

  async repository<S extends z.ZodObject>(definition: CollectionDefinition<S>): Promise<TenantScopedRepository<z.output<S>, z.input<S>>> {
    let store = this.stores.get(definition.name);
    if (!store) {
      store = new InMemoryCollectionStore(definition);
      this.stores.set(definition.name, store);
    }
    return new ScopedRepository(definition, store);
  }

  createOutboxSource(options?: LeasedOutboxSourceOptions): OutboxSource {
    return new InMemoryOutboxSource(() => [...this.stores.values()], this.logger, options);
  }

  async processedEventStore(collection = PROCESSED_EVENTS_COLLECTION): Promise<InMemoryProcessedEventStore> {
    let store = this.processed.get(collection);
    if (!store) {
      store = new InMemoryProcessedEventStore();
      this.processed.set(collection, store);
    }
    return store;
  }

  /** Always reachable. */
  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release; the data lives as long as this object. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function createInMemoryPersistence(options: { logger?: Logger } = {}): InMemoryPersistence {
  return new InMemoryPersistence(options.logger);
}

/** The outbox over the collections of one InMemoryPersistence. */
export class InMemoryOutboxSource extends LeasedOutboxSource {}
