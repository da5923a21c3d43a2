import { createInMemoryPersistence } from '@tenantry/persistence';
import { idempotencyStoreContract } from '../test-support/idempotency-store.contract';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store';
import { PersistentIdempotencyStore } from './persistent-idempotency-store';

idempotencyStoreContract('in memory', async () => new InMemoryIdempotencyStore());
idempotencyStoreContract('persistence repository on the in-memory database', () =>
  PersistentIdempotencyStore.open(createInMemoryPersistence()),
);
